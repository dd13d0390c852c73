package io.meshnode.core.internal.engine;

import static io.meshnode.api.testing.Configs.map;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.meshnode.api.config.ConfigValues;
import io.meshnode.api.mesh.PeerDTO;
import io.meshnode.api.mesh.PeerState;
import io.meshnode.api.retry.RetryDecision;
import io.meshnode.api.retry.RetryPolicy;
import io.meshnode.api.testing.RecordingLogger;
import io.meshnode.api.topology.NodeRef;
import io.meshnode.api.topology.NodeRole;
import io.meshnode.api.topology.ShapedTopology;
import io.meshnode.api.topology.Topology;
import io.meshnode.core.internal.topology.FullMeshTopology;
import io.meshnode.topology.ring.internal.RingTopology;

/** The topology shapes the mesh, in virtual time over the in-memory network: ring, full mesh, swaps, a bad topology. */
class ShapeTest {
    @TempDir
    Path dir;

    private final VirtualScheduler clock = new VirtualScheduler();
    private final FakeNetwork net = new FakeNetwork(clock);

    private static final RetryPolicy RETRY = new RetryPolicy() {
        @Override
        public RetryDecision next(NodeRole role, int failures, Duration previous) {
            return RetryDecision.retryAfter(Duration.ofMillis(failures == 0 ? 10 : 100L * failures));
        }

        @Override
        public Duration stableAfter() {
            return Duration.ofMillis(500);
        }
    };

    /** {@code n} nodes, each configured with every other one (pinned when {@code pinned}), under {@code topology}. */
    private List<TestNode> mesh(int n, boolean pinned, Topology topology) throws Exception {
        List<TestNode> nodes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            // Simulations of hundreds of nodes keep only INFO and above, without echoing them.
            TestNode node = new TestNode(clock, net, dir, "n" + i, "127.0." + (1 + i / 200) + "." + (2 + i % 200) + ":7800",
                n > 100 ? RecordingLogger.quiet() : new RecordingLogger());
            node.retry = RETRY;
            node.topology = topology;
            nodes.add(node);
        }
        for (TestNode node : nodes) {
            String peers = nodes.stream().filter(o -> o != node)
                .map(o -> pinned ? o.pin() : ConfigValues.format(o.listen)).collect(Collectors.joining(","));
            node.start(map("peers", peers, "dial.grace", "1s", "admit", "any"), false);
        }
        return nodes;
    }

    /** The ring's definition: members sorted by id, member i wants i + 2^k (mod n); a pair is linked if either wants it. */
    private static Set<Set<String>> ringEdges(Collection<TestNode> nodes) {
        List<String> ids = nodes.stream().map(n -> n.identity.id()).sorted().toList();
        int n = ids.size();
        Set<Set<String>> edges = new HashSet<>();
        for (int i = 0; i < n; i++) {
            for (int step = 1; step < n; step *= 2) {
                edges.add(Set.of(ids.get(i), ids.get((i + step) % n)));
            }
        }
        return edges;
    }

    /** @return the links the nodes report CONNECTED, as unordered id pairs (each must be reported by both sides) */
    private static Set<Set<String>> linked(List<TestNode> nodes) {
        Map<Set<String>, Integer> seen = new HashMap<>();
        for (TestNode node : nodes) {
            for (PeerDTO p : node.engine.peers()) {
                if (p.state == PeerState.CONNECTED) {
                    seen.merge(Set.of(node.identity.id(), p.id), 1, Integer::sum);
                }
            }
        }
        assertTrue(seen.values().stream().allMatch(c -> c == 2), "every link is seen by both sides: " + seen);
        return seen.keySet();
    }

    private static int diameter(Set<Set<String>> edges) {
        Map<String, Set<String>> adj = new TreeMap<>();
        for (Set<String> e : edges) {
            List<String> ab = new ArrayList<>(e);
            adj.computeIfAbsent(ab.get(0), k -> new HashSet<>()).add(ab.get(1));
            adj.computeIfAbsent(ab.get(1), k -> new HashSet<>()).add(ab.get(0));
        }
        int worst = 0;
        for (String from : adj.keySet()) {
            Map<String, Integer> dist = new HashMap<>(Map.of(from, 0));
            ArrayDeque<String> queue = new ArrayDeque<>(List.of(from));
            while (!queue.isEmpty()) {
                String x = queue.poll();
                for (String y : adj.get(x)) {
                    if (dist.putIfAbsent(y, dist.get(x) + 1) == null) {
                        queue.add(y);
                    }
                }
            }
            assertEquals(adj.size(), dist.size(), "connected");
            worst = Math.max(worst, dist.values().stream().max(Integer::compare).orElse(0));
        }
        return worst;
    }

    @Test
    void aPinnedRingFormsExactlyTheRingAndNothingElse() throws Exception {
        List<TestNode> nodes = mesh(40, true, new RingTopology());
        clock.advance(3_000);
        Set<Set<String>> expected = ringEdges(nodes);
        assertEquals(expected, linked(nodes));
        assertEquals(expected.size(), net.open(), "one connection per linked pair, no other");
        assertTrue(diameter(expected) <= 6, "diameter within ⌈log2 40⌉");
        PeerDTO notLinked = nodes.get(0).engine.peers().stream().filter(p -> p.state != PeerState.CONNECTED).findFirst()
            .orElseThrow();
        assertEquals(PeerState.IDLE, notLinked.state);
        assertTrue(!notLinked.linked, "a member not linked by design says so");
        assertEquals(0, notLinked.consecutiveFailures);
    }

    /**
     * The definition at scale: 1,000 members converge to the ring in one dial round, each node with exactly
     * the degree the definition gives it and the graph's diameter within ⌈log2 n⌉. Prints the simulation's cost
     * ({@code [sim]} lines, recorded in BENCHMARKS.md).
     */
    @Test
    void aThousandMemberRingConvergesToItsDefinition() throws Exception {
        int n = 1_000;
        // The simulation runs on this thread alone: its CPU time is the figure that other builds on the machine
        // do not change.
        java.lang.management.ThreadMXBean cpu = java.lang.management.ManagementFactory.getThreadMXBean();
        long started = System.nanoTime();
        long startedCpu = cpu.getCurrentThreadCpuTime();
        List<TestNode> nodes = mesh(n, true, new RingTopology());
        long built = System.nanoTime();
        long builtCpu = cpu.getCurrentThreadCpuTime();
        clock.advance(3_000);
        long converged = System.nanoTime();
        long convergedCpu = cpu.getCurrentThreadCpuTime();
        Set<Set<String>> expected = ringEdges(nodes);
        assertEquals(expected, linked(nodes));
        assertEquals(expected.size(), net.open(), "one connection per linked pair, no other");
        Map<String, Integer> degree = new HashMap<>();
        expected.forEach(e -> e.forEach(id -> degree.merge(id, 1, Integer::sum)));
        for (TestNode node : nodes) {
            long connected = node.engine.peers().stream().filter(p -> p.state == PeerState.CONNECTED).count();
            assertEquals(degree.get(node.identity.id()).longValue(), connected, node.name + "'s degree");
            assertTrue(node.engine.peers().stream().allMatch(p -> p.consecutiveFailures == 0), node.name);
        }
        int diameter = diameter(expected);
        assertTrue(diameter <= 10, "diameter " + diameter + " within ⌈log2 1000⌉ = 10");
        Runtime rt = Runtime.getRuntime();
        System.gc();
        System.out.printf("[sim] 1,000-member ring: %d links, degree %d–%d, diameter %d; 1,000 engines started in %d ms"
            + " (CPU %d ms), converged in 3 s of virtual time in %d ms (CPU %d ms); heap after GC %d MiB with every"
            + " engine live%n", expected.size(), degree.values().stream().min(Integer::compare).orElse(0),
            degree.values().stream().max(Integer::compare).orElse(0), diameter, (built - started) / 1_000_000,
            (builtCpu - startedCpu) / 1_000_000, (converged - built) / 1_000_000, (convergedCpu - builtCpu) / 1_000_000,
            (rt.totalMemory() - rt.freeMemory()) >> 20);
    }

    @Test
    void unknownIdsLinkAsBeforeUntilTheHandshakeThenTheRingIsKept() throws Exception {
        List<TestNode> nodes = mesh(16, false, new RingTopology());
        clock.advance(5_000);
        assertEquals(ringEdges(nodes), linked(nodes));
        assertEquals(ringEdges(nodes).size(), net.open());
        for (TestNode node : nodes) {
            assertTrue(node.engine.peers().stream().allMatch(p -> p.consecutiveFailures == 0), node.engine.peers()::toString);
        }
    }

    @Test
    void swappingFullMeshAndRingOn200MembersKeepsEveryLinkBothShapesKeep() throws Exception {
        int members = 200;
        List<TestNode> nodes = mesh(members, true, new FullMeshTopology());
        clock.advance(3_000);
        assertEquals(members * (members - 1) / 2, net.open());
        Map<Set<String>, Long> before = connections(nodes);
        Topology ring = new RingTopology();
        nodes.forEach(n -> {
            n.topology = ring;
            n.engine.servicesChanged();
        });
        clock.advance(3_000);
        Set<Set<String>> expected = ringEdges(nodes);
        assertEquals(expected, linked(nodes));
        assertEquals(expected.size(), net.open());
        Map<Set<String>, Long> after = connections(nodes);
        for (Set<String> kept : expected) {
            assertEquals(before.get(kept), after.get(kept), "the same connection for " + kept);
        }
        Topology full = new FullMeshTopology();
        nodes.forEach(n -> {
            n.topology = full;
            n.engine.servicesChanged();
        });
        clock.advance(3_000);
        assertEquals(members * (members - 1) / 2, net.open());
        Map<Set<String>, Long> back = connections(nodes);
        for (Set<String> kept : expected) {
            assertEquals(after.get(kept), back.get(kept), "the same connection for " + kept);
        }
        assertTrue(nodes.stream().flatMap(n -> n.log.lines().stream()).noneMatch(l -> l.contains("DUPLICATE")),
            "no duplicate fight");
    }

    @Test
    void aRollingSwapConvergesToTheUnionWithoutFights() throws Exception {
        List<TestNode> nodes = mesh(16, true, new FullMeshTopology());
        clock.advance(3_000);
        Topology ring = new RingTopology();
        for (int i = 0; i < 8; i++) {
            nodes.get(i).topology = ring;
            nodes.get(i).engine.servicesChanged();
        }
        clock.advance(5_000);
        // The union: every pair with a full-mesh node in it, and the ring's pairs among the switched half.
        Set<String> switched = nodes.subList(0, 8).stream().map(n -> n.identity.id()).collect(Collectors.toSet());
        Set<Set<String>> expected = new HashSet<>(ringEdges(nodes));
        for (TestNode a : nodes) {
            for (TestNode b : nodes) {
                if (a != b && !(switched.contains(a.identity.id()) && switched.contains(b.identity.id()))) {
                    expected.add(Set.of(a.identity.id(), b.identity.id()));
                }
            }
        }
        assertEquals(expected, linked(nodes));
        assertEquals(expected.size(), net.open());
        long closes = nodes.stream().flatMap(n -> n.log.lines().stream()).filter(l -> l.contains("not linked by the topology")).count();
        clock.advance(10_000);
        assertEquals(expected, linked(nodes));
        long later = nodes.stream().flatMap(n -> n.log.lines().stream()).filter(l -> l.contains("not linked by the topology")).count();
        assertEquals(closes, later, "nothing flaps: no link closed by the topology once converged");
        assertTrue(nodes.stream().allMatch(n -> n.engine.peers().stream().allMatch(p -> p.consecutiveFailures == 0)));
        assertTrue(nodes.stream().flatMap(n -> n.log.lines().stream()).noneMatch(l -> l.contains("DUPLICATE")),
            "no duplicate fight");
    }

    /**
     * What eight node processes do when {@code topology.target} is edited on each: every node takes the change at its
     * own moment within a second (a FileInstall poll), ids learned at the handshake (peers configured by address), a
     * few milliseconds of latency. Every link both shapes keep stays the same connection, both ways, and nothing fights.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
    void aStaggeredSwapOfEightNodesByAddressKeepsTheLinksBothShapesKeep(long seed) throws Exception {
        net.latency = 3;
        java.util.Random random = new java.util.Random(seed);
        List<TestNode> nodes = mesh(8, false, new FullMeshTopology());
        clock.advance(10_000);
        assertEquals(28, net.open());
        Map<TestNode, Integer> formed = new HashMap<>();
        nodes.forEach(n -> formed.put(n, n.log.lines().size())); // both sides dial at first: ids are not known yet
        Map<Set<String>, Long> before = connections(nodes);
        Set<Set<String>> ring = ringEdges(nodes);
        swapStaggered(nodes, new RingTopology(), random);
        clock.advance(10_000);
        assertEquals(ring, linked(nodes));
        assertEquals(ring.size(), net.open());
        Map<Set<String>, Long> after = connections(nodes);
        for (Set<String> kept : ring) {
            assertEquals(before.get(kept), after.get(kept), "seed " + seed + ": the same connection for " + kept);
        }
        swapStaggered(nodes, new FullMeshTopology(), random);
        clock.advance(10_000);
        assertEquals(28, net.open());
        Map<Set<String>, Long> back = connections(nodes);
        for (Set<String> kept : ring) {
            assertEquals(after.get(kept), back.get(kept), "seed " + seed + ": the same connection for " + kept);
        }
        List<String> fights = nodes.stream().flatMap(n -> n.log.lines().subList(formed.get(n), n.log.lines().size()).stream())
            .filter(l -> l.contains("DUPLICATE") || l.contains("duplicate")).toList();
        assertTrue(fights.isEmpty(), "seed " + seed + ": no duplicate fight: " + fights);
    }

    /** Each node takes {@code next} at its own moment within a second, in a random order. */
    private void swapStaggered(List<TestNode> nodes, Topology next, java.util.Random random) {
        for (TestNode n : nodes) {
            clock.schedule(() -> {
                n.topology = next;
                n.engine.servicesChanged();
            }, random.nextInt(1_000));
        }
    }

    @Test
    void aBadTopologyIsLoggedWithItsNameAndTheFullMeshIsUsed() throws Exception {
        ShapedTopology bad = new ShapedTopology() {
            @Override
            public Set<NodeRef> wanted(NodeRef self, Collection<NodeRef> members) {
                return Set.of(self); // wants itself
            }

            @Override
            public String toString() {
                return "bad topology";
            }
        };
        List<TestNode> nodes = mesh(4, true, bad);
        clock.advance(3_000);
        assertEquals(6, net.open(), "the full mesh");
        assertTrue(nodes.get(0).log.lines().stream().anyMatch(l -> l.startsWith("ERROR topology bad topology misbehaved:")),
            nodes.get(0).log.lines()::toString);
        assertTrue(nodes.get(0).engine.node().warnings.stream().anyMatch(w -> w.startsWith("topology bad topology misbehaved")));
    }

    /** @return the outbound connection id of each open pair */
    private Map<Set<String>, Long> connections(List<TestNode> nodes) {
        Map<String, String> idAt = new HashMap<>();
        nodes.forEach(n -> idAt.put(ConfigValues.format(n.listen), n.identity.id()));
        Map<Set<String>, Long> out = new HashMap<>();
        for (FakeNetwork.FakeConnection c : net.connections) {
            if (c.open && c.direction == io.meshnode.api.transport.Direction.OUTBOUND) {
                String from = idAt.get(ConfigValues.format(new java.net.InetSocketAddress(c.local.getAddress(), 7800)));
                out.put(Set.of(from, idAt.get(ConfigValues.format(c.remote))), c.id);
            }
        }
        return out;
    }
}
