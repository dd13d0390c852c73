package io.meshnode.topology.ring.internal;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

import org.osgi.service.component.annotations.Component;

import io.meshnode.api.topology.FullMesh;
import io.meshnode.api.topology.NodeRef;
import io.meshnode.api.topology.ShapedTopology;
import io.meshnode.api.topology.Topology;

/**
 * Members sorted by node id, ascending, form a ring; member {@code i} of {@code n} wants members
 * {@code (i + 2^k) mod n} for every {@code k ≥ 0} with {@code 2^k < n} (Dash's quorum connections). Each node wants
 * ⌈log2 n⌉ links, keeps about twice that (the union with those that want it), and reaches every other node in at
 * most ⌈log2 n⌉ hops.
 * <p>
 * {@link #wanting} names the members at {@code i - 2^k} directly instead of asking every member for its wish, so a
 * plan of a thousand members takes about as long as one {@link #wanted} call.
 * <p>
 * A member whose id is not known yet cannot be placed: it is wanted, as in the full mesh, until its id is learned
 * and the ring is planned again with it in place. Members that share an id are one place on the ring (all wanted
 * when that place is). Roles do not matter. Who dials and which connection survives are {@link ShapedTopology}'s
 * defaults, the full mesh's rule, so switching between the two redials nothing that both keep.
 */
@Component(name = "meshnode.topology.ring", service = Topology.class, property = "service.ranking:Integer=-10")
public class RingTopology implements ShapedTopology {

    private static final Comparator<NodeRef> BY_ENDPOINT = (a, b) -> FullMesh.compareEndpoints(a.endpoint(),
        b.endpoint());

    @Override
    public Set<NodeRef> wanted(NodeRef self, Collection<NodeRef> members) {
        Ring ring = new Ring(self, members);
        Set<NodeRef> wanted = new LinkedHashSet<>();
        for (long step = 1; step < ring.size(); step <<= 1) {
            wanted.addAll(ring.at(ring.self + step));
        }
        ring.unplaced.sort(BY_ENDPOINT);
        wanted.addAll(ring.unplaced);
        return Collections.unmodifiableSet(wanted);
    }

    /** Member j wants this node (place i) when i = j + 2^k: the members at i - 2^k. Id-less members are not asked. */
    @Override
    public Set<NodeRef> wanting(NodeRef self, Collection<NodeRef> members) {
        Ring ring = new Ring(self, members);
        Set<NodeRef> wanting = new LinkedHashSet<>();
        for (long step = 1; step < ring.size(); step <<= 1) {
            wanting.addAll(ring.at(ring.self - step));
        }
        return Collections.unmodifiableSet(wanting);
    }

    /** The members placed by id (this node among them), and those without an id. */
    private static final class Ring {
        final List<String> ids;
        final TreeMap<String, List<NodeRef>> places = new TreeMap<>();
        final List<NodeRef> unplaced = new ArrayList<>();
        final int self;

        Ring(NodeRef self, Collection<NodeRef> members) {
            places.put(self.id(), List.of());
            for (NodeRef m : members) {
                if (FullMesh.isSelf(self, m)) {
                    continue;
                }
                if (m.id() == null) {
                    unplaced.add(m);
                } else {
                    places.computeIfAbsent(m.id(), id -> new ArrayList<>(1)).add(m);
                }
            }
            ids = new ArrayList<>(places.keySet());
            this.self = Collections.binarySearch(ids, self.id());
        }

        int size() {
            return ids.size();
        }

        List<NodeRef> at(long position) {
            List<NodeRef> place = new ArrayList<>(places.get(ids.get((int) Math.floorMod(position, (long) ids.size()))));
            place.sort(BY_ENDPOINT);
            return place;
        }
    }
}
