package io.meshnode.itest.mesh;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Benchmarks recorded in BENCHMARKS.md. Not part of the test suite (the "benchmark" tag is excluded);
 * run with: {@code mvn -B -pl itest verify -Dit.test=MeshBench -Dgroups=benchmark -Dbnd.testing.skip=true}
 * after a full build. Results are printed as "BENCH ..." lines.
 */
@Tag("benchmark")
class MeshBench {
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path root;

    private final int port = ThreadLocalRandom.current().nextInt(20_000, 40_000);
    private final List<NodeProcess> nodes = new ArrayList<>();

    @AfterEach
    void stopAll() throws InterruptedException {
        for (NodeProcess n : nodes) {
            n.close();
        }
    }

    private List<NodeProcess> start(int count, String grace) throws IOException {
        List<NodeProcess> list = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            NodeProcess n = new NodeProcess(root, "b" + i, "127.0.1." + (10 + i) + ":" + port);
            n.set("mesh", "dial.grace", grace);
            list.add(n);
            nodes.add(n);
        }
        for (NodeProcess n : list) {
            n.peers(list.toArray(new NodeProcess[0]));
        }
        return list;
    }

    @Test
    void sixteenNodesFormTheFullMesh() throws Exception {
        List<NodeProcess> sixteen = start(16, "300ms");
        long t0 = System.nanoTime();
        for (NodeProcess n : sixteen) {
            n.start();
        }
        for (NodeProcess n : sixteen) {
            n.awaitReady(Duration.ofSeconds(60));
        }
        long ready = System.nanoTime();
        Waits.until(Duration.ofSeconds(60), () -> Links.fullMeshWithoutDuplicates(sixteen), () -> "" + Links.count(sixteen));
        long meshed = System.nanoTime();
        System.out.printf("BENCH 16 nodes: all ready after %d ms; full mesh of %d links after %d ms from launch (%d ms after the last ready line)%n",
            (ready - t0) / 1_000_000, Links.count(sixteen), (meshed - t0) / 1_000_000, (meshed - ready) / 1_000_000);
    }

    @Test
    void detectionOfASilentPeerAgainstTheBound() throws Exception {
        List<NodeProcess> three = start(3, "300ms");
        for (NodeProcess n : three) {
            n.start();
        }
        for (NodeProcess n : three) {
            n.awaitReady(Duration.ofSeconds(30));
        }
        Waits.until(Duration.ofSeconds(10), () -> Links.fullMeshWithoutDuplicates(three), () -> "");
        long bound = 3 * 100 + 50;
        List<Long> samples = new ArrayList<>();
        for (int round = 0; round < 5; round++) {
            NodeProcess silent = three.get(2);
            Waits.during(Duration.ofMillis(500), () -> true, () -> "");
            int before = three.get(0).logLines("link to " + silent.shortId(), "lost: TIMEOUT").size();
            LocalDateTime stopped = LocalDateTime.now();
            silent.signal("STOP");
            Waits.until(Duration.ofSeconds(5),
                () -> three.get(0).logLines("link to " + silent.shortId(), "lost: TIMEOUT").size() > before, () -> "");
            List<String> lines = three.get(0).logLines("link to " + silent.shortId(), "lost: TIMEOUT");
            samples.add(Duration.between(stopped, NodeProcess.time(lines.get(lines.size() - 1))).toMillis());
            silent.signal("CONT");
            Waits.until(Duration.ofSeconds(10), () -> Links.fullMeshWithoutDuplicates(three), () -> "");
        }
        System.out.printf("BENCH silent peer detection (interval 100ms, timeout 50ms, missed 3; bound %d ms): %s ms, max %.2f× bound%n",
            bound, samples, samples.stream().mapToLong(Long::longValue).max().orElseThrow() / (double) bound);
    }

    @Test
    void timeFromAPeersReturnToTheReformedLink() throws Exception {
        for (String role : List.of("designated dialer", "not the designated dialer")) {
            List<NodeProcess> pair = start(2, "1s");
            // Endpoint order decides before ids are known; after first contact the ids decide. Find out which it is.
            NodeProcess a = pair.get(0);
            NodeProcess b = pair.get(1);
            a.start();
            b.start();
            a.awaitReady(Duration.ofSeconds(30));
            b.awaitReady(Duration.ofSeconds(30));
            Waits.until(Duration.ofSeconds(10), () -> Links.count(pair) == 1, () -> "");
            List<Long> samples = new ArrayList<>();
            for (int round = 0; round < 3; round++) {
                NodeProcess returning = role.startsWith("designated") ? dialerOf(a, b) : acceptorOf(a, b);
                returning.kill();
                Waits.until(Duration.ofSeconds(5), () -> Links.count(pair) == 0, () -> "");
                // Let the survivor reach a long backoff step so that the link depends on the returning side.
                Waits.during(Duration.ofMillis(1500), () -> true, () -> "");
                long t0 = System.nanoTime();
                returning.start().awaitReady(Duration.ofSeconds(30));
                long ready = System.nanoTime();
                Waits.until(Duration.ofSeconds(10), () -> Links.count(pair) == 1, () -> "");
                samples.add((System.nanoTime() - ready) / 1_000_000);
            }
            System.out.printf("BENCH return of a peer that is %s (dial.grace 1s, backoff 100..400ms): link %s ms after its ready line%n",
                role, samples);
            for (NodeProcess n : pair) {
                n.close();
            }
            nodes.removeAll(pair);
        }
    }

    /** The side that dialed the current link: its log says "(outbound". */
    private static NodeProcess dialerOf(NodeProcess a, NodeProcess b) {
        Waits.until(Duration.ofSeconds(10), () -> !a.logLines("connected to " + b.shortId()).isEmpty(), a::log);
        List<String> lines = a.logLines("connected to " + b.shortId());
        return lines.get(lines.size() - 1).contains("(outbound") ? a : b;
    }

    private static NodeProcess acceptorOf(NodeProcess a, NodeProcess b) {
        return dialerOf(a, b) == a ? b : a;
    }

    @Test
    void heartbeatCpuForAThousandPeersAtOneSecond() throws Exception {
        try (Swarm swarm = new Swarm(1000, port)) {
            NodeProcess n = new NodeProcess(root, "hub", "127.0.0.2:" + port);
            nodes.add(n);
            n.set("mesh", "peers", String.join(",", swarm.endpoints));
            n.set("heartbeat", "interval", "1s").set("heartbeat", "timeout", "500ms");
            n.set("retry", "initial", "1s").set("retry", "max", "30s").set("transport", "connect.timeout", "1s");
            n.start().awaitReady(Duration.ofSeconds(30));
            Waits.until(Duration.ofSeconds(60), () -> n.logLines("connected to").size() >= 1000,
                () -> n.logLines("connected to").size() + " connected");
            Waits.during(Duration.ofSeconds(10), () -> true, () -> ""); // warm up
            long cpu0 = cpuTicks(n.pid());
            long t0 = System.nanoTime();
            Waits.during(Duration.ofSeconds(60), () -> true, () -> "");
            long cpu1 = cpuTicks(n.pid());
            double seconds = (System.nanoTime() - t0) / 1e9;
            double percent = (cpu1 - cpu0) / 100.0 / seconds * 100;
            System.out.printf("BENCH 1000 peers, ping every 1s: node process CPU %.2f%% of one core over %.0f s; %d links lost%n",
                percent, seconds, n.logLines("lost:").size());
        }
    }

    /** utime + stime of a process, in clock ticks (USER_HZ = 100 on Linux). */
    private static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }
}
