package io.meshnode.topology.ring.internal;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.meshnode.api.topology.NodeRef;
import io.meshnode.api.topology.Topologies;

/**
 * Time and allocation of planning a 1,000-member ring (BENCHMARKS.md, "Topology"). Not a unit test: tagged
 * "benchmark", it runs only when asked for,
 * {@code mvn -B -o verify -pl topology.ring -am -Dtest=RingBench -Dgroups=benchmark}, and prints BENCH lines. The
 * build runs it with a few rounds each ({@code -Dbench.smoke=true}) so that it keeps working; those lines say "smoke".
 */
@Tag("benchmark")
class RingBench {
    private static final int N = 1000;
    private static final boolean SMOKE = Boolean.getBoolean("bench.smoke");
    private static final String BENCH = SMOKE ? "BENCH (smoke, not a measurement) " : "BENCH ";
    private final RingTopology ring = new RingTopology();
    private final List<NodeRef> members = RingTopologyTest.members(N, 1);
    private final NodeRef self = members.get(0);

    @Test
    void planningAThousandMembers() {
        measure("wanted(self, 1000 members): one node's own wish", 2000, () -> ring.wanted(self, members));
        measure("Topologies.wanted (checked)", 2000, () -> Topologies.wanted(ring, self, members));
        measure("Topologies.linked: own wish + who wants it (one plan of the mesh)", 30,
            () -> Topologies.linked(ring, self, members));
        measure("the whole union graph: wanted() of all 1000 members", 30, () -> {
            int edges = 0;
            for (NodeRef m : members) {
                edges += ring.wanted(m, members).size();
            }
            return edges;
        });
        Set<NodeRef> kept = ring.wanted(self, members);
        System.out.println(BENCH + "result of one wanted(): " + kept.size() + " members");
    }

    private static void measure(String what, int fullRounds, Supplier<?> work) {
        int rounds = SMOKE ? Math.min(fullRounds, 3) : fullRounds;
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        for (int i = 0; i < rounds; i++) {
            work.get(); // warm-up
        }
        long bytes = threads.getCurrentThreadAllocatedBytes();
        long start = System.nanoTime();
        for (int i = 0; i < rounds; i++) {
            work.get();
        }
        long nanos = (System.nanoTime() - start) / rounds;
        bytes = (threads.getCurrentThreadAllocatedBytes() - bytes) / rounds;
        System.out.printf(BENCH + "%-75s %10.3f ms %10.1f KiB allocated%n", what, nanos / 1e6, bytes / 1024.0);
    }
}
