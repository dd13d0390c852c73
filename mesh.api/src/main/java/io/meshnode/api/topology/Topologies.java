package io.meshnode.api.topology;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The calls the mesh makes to plan a shape, for any {@link Topology}: a {@link ShapedTopology}'s answers checked
 * against its contract, and a 1.0 pairwise topology's shape derived from {@link Topology#links}. Integrators use it
 * in tests to see their topology as the mesh sees it.
 * <p>
 * The mesh calls these on its own thread with the bound topology. When one throws (the topology's own exception,
 * or {@link IllegalStateException} for an answer that breaks the contract), the mesh logs a warning with the
 * topology's bundle and the exception's message and plans with {@link FullMesh#wanted} instead.
 *
 * @since 1.1
 */
public final class Topologies {

    private Topologies() {
    }

    /**
     * The members {@code self} wants links to.
     * <ul>
     * <li>A {@link ShapedTopology}: its {@link ShapedTopology#wanted} answer, checked.</li>
     * <li>Any other {@link Topology}: every member that is not {@code self} and that {@link Topology#links} accepts
     * (the shape a 1.0 topology described pair by pair).</li>
     * </ul>
     *
     * @param topology the topology to ask
     * @param self this node (or the node whose wish is evaluated), with its id
     * @param members the membership, possibly including {@code self}
     * @return the wanted members, a subset of {@code members} without {@code self}; unmodifiable
     * @throws IllegalStateException if a shaped topology returned {@code null}, {@code self} or a node that is not a
     *             member; the message says which
     * @throws RuntimeException whatever the topology threw
     */
    public static Set<NodeRef> wanted(Topology topology, NodeRef self, Collection<NodeRef> members) {
        return wanted(topology, self, members, new HashSet<>(members));
    }

    /**
     * The members that want a link to {@code self}: every member with a known id (other than {@code self}) whose own
     * {@link #wanted} answer, evaluated over {@code members} plus {@code self}, contains {@code self}
     * ({@link ShapedTopology#wanting}, checked, for a shaped topology). Members without an id cannot be asked; the
     * mesh follows only its own wish for them.
     *
     * @param topology the topology to ask
     * @param self this node, with its id
     * @param members the membership, possibly including {@code self}
     * @return the members that want {@code self}; unmodifiable
     * @throws IllegalStateException if an answer breaks the contract
     * @throws RuntimeException whatever the topology threw
     */
    public static Set<NodeRef> wanting(Topology topology, NodeRef self, Collection<NodeRef> members) {
        if (!(topology instanceof ShapedTopology)) {
            return askEachMember(topology, self, members);
        }
        Set<NodeRef> answer = ((ShapedTopology) topology).wanting(self, Collections.unmodifiableCollection(members));
        return checked("wanting", answer, self, new HashSet<>(members));
    }

    /** {@link ShapedTopology#wanting}'s default: asks each member with a known id for its wish, checked. */
    static Set<NodeRef> askEachMember(Topology topology, NodeRef self, Collection<NodeRef> members) {
        List<NodeRef> all = new ArrayList<>(members);
        if (all.stream().noneMatch(m -> FullMesh.isSelf(self, m))) {
            all.add(self);
        }
        Set<NodeRef> index = new HashSet<>(all);
        Set<NodeRef> wanting = new LinkedHashSet<>();
        for (NodeRef m : members) {
            if (m.id() == null || FullMesh.isSelf(self, m)) {
                continue;
            }
            for (NodeRef w : wanted(topology, m, all, index)) {
                if (FullMesh.isSelf(self, w)) {
                    wanting.add(m);
                    break;
                }
            }
        }
        return Collections.unmodifiableSet(wanting);
    }

    /**
     * The links the mesh keeps for {@code self}: the union of {@link #wanted} and {@link #wanting}.
     *
     * @param topology the topology to ask
     * @param self this node, with its id
     * @param members the membership, possibly including {@code self}
     * @return the members {@code self} keeps links to; unmodifiable
     * @throws IllegalStateException if an answer breaks the contract
     * @throws RuntimeException whatever the topology threw
     */
    public static Set<NodeRef> linked(Topology topology, NodeRef self, Collection<NodeRef> members) {
        Set<NodeRef> linked = new LinkedHashSet<>(wanted(topology, self, members));
        linked.addAll(wanting(topology, self, members));
        return Collections.unmodifiableSet(linked);
    }

    private static Set<NodeRef> wanted(Topology topology, NodeRef self, Collection<NodeRef> members,
        Set<NodeRef> index) {
        if (!(topology instanceof ShapedTopology)) {
            Set<NodeRef> wanted = new LinkedHashSet<>();
            for (NodeRef m : members) {
                if (!FullMesh.isSelf(self, m) && topology.links(self, m)) {
                    wanted.add(m);
                }
            }
            return Collections.unmodifiableSet(wanted);
        }
        Set<NodeRef> answer = ((ShapedTopology) topology).wanted(self, Collections.unmodifiableCollection(members));
        return checked("wanted", answer, self, index);
    }

    private static Set<NodeRef> checked(String method, Set<NodeRef> answer, NodeRef self, Set<NodeRef> index) {
        if (answer == null) {
            throw new IllegalStateException(method + "(" + self + ", …) returned null");
        }
        Set<NodeRef> checked = new LinkedHashSet<>();
        for (NodeRef w : answer) {
            if (w == null || !index.contains(w)) {
                throw new IllegalStateException(method + "(" + self + ", …) returned " + w + ", which is not a member");
            }
            if (FullMesh.isSelf(self, w)) {
                throw new IllegalStateException(method + "(" + self + ", …) returned the node itself: " + w);
            }
            checked.add(w);
        }
        return Collections.unmodifiableSet(checked);
    }
}
