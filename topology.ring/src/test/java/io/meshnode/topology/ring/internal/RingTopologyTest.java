package io.meshnode.topology.ring.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import io.meshnode.api.topology.FullMesh;
import io.meshnode.api.topology.NodeRef;
import io.meshnode.api.topology.NodeRole;
import io.meshnode.api.topology.ShapedTopology;
import io.meshnode.api.topology.Topologies;

class RingTopologyTest {
    private final RingTopology ring = new RingTopology();

    /** n members with random 40-hex ids on distinct endpoints, in no particular order. */
    static List<NodeRef> members(int n, long seed) {
        Random r = new Random(seed);
        List<NodeRef> members = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] id = new byte[20];
            r.nextBytes(id);
            members.add(new NodeRef(HexFormat.of().formatHex(id), endpoint(i), NodeRole.MASTERNODE));
        }
        return members;
    }

    static InetSocketAddress endpoint(int i) {
        try {
            return new InetSocketAddress(InetAddress.getByAddress(new byte[] {10, 0, (byte) (i >> 8), (byte) i}), 7800);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    static int ceilLog2(int n) {
        return 32 - Integer.numberOfLeadingZeros(n - 1);
    }

    /** The union graph: every member's wanted set, made undirected. */
    private Map<NodeRef, Set<NodeRef>> union(List<NodeRef> members) {
        Map<NodeRef, Set<NodeRef>> graph = new HashMap<>();
        for (NodeRef m : members) {
            graph.computeIfAbsent(m, k -> new HashSet<>());
            for (NodeRef w : ring.wanted(m, members)) {
                graph.get(m).add(w);
                graph.computeIfAbsent(w, k -> new HashSet<>()).add(m);
            }
        }
        return graph;
    }

    private static int eccentricity(Map<NodeRef, Set<NodeRef>> graph, NodeRef from) {
        Map<NodeRef, Integer> distance = new HashMap<>();
        ArrayDeque<NodeRef> queue = new ArrayDeque<>();
        distance.put(from, 0);
        queue.add(from);
        int max = 0;
        while (!queue.isEmpty()) {
            NodeRef x = queue.poll();
            for (NodeRef y : graph.get(x)) {
                if (distance.putIfAbsent(y, distance.get(x) + 1) == null) {
                    max = Math.max(max, distance.get(y));
                    queue.add(y);
                }
            }
        }
        assertEquals(graph.size(), distance.size(), "the union graph is connected");
        return max;
    }

    @Test
    void aThousandMembersEachWantLog2NAndReachEveryoneInLog2NHops() {
        int n = 1000;
        List<NodeRef> members = members(n, 1);
        int log2n = ceilLog2(n);
        assertEquals(10, log2n);
        Map<NodeRef, Set<NodeRef>> graph = union(members);
        for (NodeRef m : members) {
            assertEquals(log2n, ring.wanted(m, members).size(), "out-degree of " + m);
            // In-degree is log2n too; a link is wanted by both sides only when 2^a + 2^b = n, never for 1000.
            assertEquals(2 * log2n, graph.get(m).size(), "union degree of " + m);
        }
        int diameter = 0;
        for (NodeRef m : members) {
            diameter = Math.max(diameter, eccentricity(graph, m));
        }
        assertTrue(diameter <= log2n, "diameter " + diameter + " > " + log2n);
        System.out.println("ring of " + n + ": out-degree " + log2n + ", union degree " + 2 * log2n + ", diameter "
            + diameter + " (bound " + log2n + ")");
    }

    @Test
    void theMeshHelperSeesTheSameUnionAsTheGraph() {
        List<NodeRef> members = members(64, 2);
        Map<NodeRef, Set<NodeRef>> graph = union(members);
        for (NodeRef m : members.subList(0, 8)) {
            assertEquals(graph.get(m), Topologies.linked(ring, m, members));
            assertEquals(ring.wanted(m, members), Topologies.wanted(ring, m, members), "a valid answer");
        }
    }

    /** The ring's wanted() alone, so that wanting() is ShapedTopology's default: every member asked. */
    private final ShapedTopology askingEveryMember = (self, members) -> ring.wanted(self, members);

    @Test
    void wantingNamesThePredecessorsExactlyAsAskingEveryMemberWould() {
        for (int n = 1; n <= 70; n += 3) {
            List<NodeRef> members = new ArrayList<>(members(n, 100 + n));
            members.add(new NodeRef(null, endpoint(800), null));
            if (n > 4) {
                members.add(new NodeRef(members.get(2).id(), endpoint(801), NodeRole.FULLNODE));
            }
            for (NodeRef m : members) {
                if (m.id() == null) {
                    continue;
                }
                assertEquals(askingEveryMember.wanting(m, members), ring.wanting(m, members), "n = " + n + ", " + m);
                assertEquals(askingEveryMember.wanting(m, withoutSelf(members, m)), ring.wanting(m, members));
            }
        }
    }

    @Test
    void theWantedMembersAreIPlusPowersOfTwoInIdOrder() {
        for (int n = 1; n <= 40; n++) {
            List<NodeRef> members = members(n, n);
            List<NodeRef> sorted = new ArrayList<>(members);
            sorted.sort((a, b) -> a.id().compareTo(b.id()));
            for (int i = 0; i < n; i++) {
                Set<NodeRef> expected = new HashSet<>();
                for (int step = 1; step < n; step <<= 1) {
                    expected.add(sorted.get((i + step) % n));
                }
                assertEquals(expected, ring.wanted(sorted.get(i), members), "n = " + n + ", i = " + i);
            }
        }
    }

    @Test
    void oneTwoAndThreeMembers() {
        List<NodeRef> three = members(3, 3);
        NodeRef a = three.get(0);
        assertEquals(Set.of(), ring.wanted(a, List.of()), "alone, self not listed");
        assertEquals(Set.of(), ring.wanted(a, List.of(a)), "alone, self listed");
        assertEquals(Set.of(three.get(1)), ring.wanted(a, List.of(a, three.get(1))));
        assertEquals(Set.of(three.get(1)), ring.wanted(a, List.of(three.get(1))), "self is placed even if not listed");
        for (NodeRef m : three) {
            Set<NodeRef> others = new HashSet<>(three);
            others.remove(m);
            assertEquals(others, ring.wanted(m, three), "n = 3: steps 1 and 2 reach both others");
        }
    }

    @Test
    void deterministicWhateverTheOrderOfMembers() {
        List<NodeRef> members = members(200, 4);
        List<NodeRef> shuffled = new ArrayList<>(members);
        Random r = new Random(5);
        for (int round = 0; round < 5; round++) {
            Collections.shuffle(shuffled, r);
            for (NodeRef m : members.subList(0, 20)) {
                assertEquals(ring.wanted(m, members), ring.wanted(m, shuffled));
                assertEquals(ring.wanted(m, members), ring.wanted(m, withoutSelf(shuffled, m)), "self listed or not");
            }
        }
    }

    private static List<NodeRef> withoutSelf(List<NodeRef> members, NodeRef self) {
        List<NodeRef> copy = new ArrayList<>(members);
        copy.remove(self);
        return copy;
    }

    @Test
    void membersWithoutAnIdAreWantedUntilTheirIdIsKnown() {
        List<NodeRef> members = new ArrayList<>(members(16, 6));
        NodeRef self = members.get(0);
        Set<NodeRef> placed = ring.wanted(self, members);
        NodeRef unknown = new NodeRef(null, endpoint(500), null);
        NodeRef atOwnEndpoint = new NodeRef(null, self.endpoint(), null);
        members.add(unknown);
        members.add(atOwnEndpoint);
        Set<NodeRef> withUnknown = ring.wanted(self, members);
        assertTrue(withUnknown.contains(unknown));
        assertFalse(withUnknown.contains(atOwnEndpoint), "an id-less member at this node's endpoint is this node");
        assertEquals(placed.size() + 1, withUnknown.size(), "unknown members take no place on the ring");
        assertTrue(withUnknown.containsAll(placed));
    }

    @Test
    void membersSharingAnIdAreOnePlace() {
        List<NodeRef> members = new ArrayList<>(members(8, 7));
        Map<NodeRef, Set<NodeRef>> before = new HashMap<>();
        for (NodeRef m : members) {
            before.put(m, ring.wanted(m, members));
        }
        NodeRef moved = new NodeRef(members.get(3).id(), endpoint(900), NodeRole.MASTERNODE);
        members.add(moved);
        for (NodeRef m : members.subList(0, 8)) {
            Set<NodeRef> expected = new HashSet<>(before.get(m));
            if (expected.contains(members.get(3))) {
                expected.add(moved);
            }
            if (m.id().equals(moved.id())) {
                continue;
            }
            assertEquals(expected, ring.wanted(m, members));
        }
    }

    @Test
    void whoDialsAndWhichConnectionSurvivesAreTheFullMeshRule() {
        List<NodeRef> members = members(30, 8);
        members.add(new NodeRef(null, endpoint(700), null));
        for (NodeRef a : members) {
            for (NodeRef b : members) {
                assertEquals(FullMesh.links(a, b), ring.links(a, b));
                assertEquals(FullMesh.dials(a, b), ring.dials(a, b));
                if (a.id() != null && b.id() != null && !a.equals(b)) {
                    assertEquals(FullMesh.keepsOutbound(a.id(), b.id()), ring.keepsOutbound(a.id(), b.id()));
                }
            }
        }
    }

    @Test
    void switchingTwoHundredMembersFromFullToRingKeepsTheRingsLinksAndClosesTheRest() {
        int n = 200;
        List<NodeRef> members = members(n, 9);
        Set<String> full = new TreeSet<>();
        Set<String> ring = new TreeSet<>();
        Map<NodeRef, Set<NodeRef>> graph = union(members);
        for (NodeRef m : members) {
            for (NodeRef p : FullMesh.wanted(m, members)) {
                full.add(pair(m, p));
            }
            for (NodeRef p : graph.get(m)) {
                ring.add(pair(m, p));
            }
        }
        Set<String> both = new TreeSet<>(full);
        both.retainAll(ring);
        assertEquals(n * (n - 1) / 2, full.size());
        assertEquals(ring, both, "every link the ring keeps is one the full mesh has: a switch opens none");
        // A pair is wanted by both sides only when n = 2^a + 2^b; 200 is not, so every ring link is wanted once.
        assertEquals(n * ceilLog2(n), ring.size());
        System.out.println("full mesh of " + n + ": " + full.size() + " links; ring: " + ring.size()
            + " links kept by both (untouched by a switch either way), " + (full.size() - ring.size())
            + " closed by full -> ring and opened by ring -> full; first kept: "
            + String.join(", ", ring.stream().limit(5).toList()));
    }

    private static String pair(NodeRef a, NodeRef b) {
        String x = a.id().substring(0, 8);
        String y = b.id().substring(0, 8);
        return x.compareTo(y) < 0 ? x + "-" + y : y + "-" + x;
    }
}
