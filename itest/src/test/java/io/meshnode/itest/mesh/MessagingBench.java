package io.meshnode.itest.mesh;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import io.meshnode.itest.mesh.load.MessagingLoad;

/**
 * Messaging throughput between two node processes over TLS against raw Netty with the same TLS in the same run, and
 * the heartbeat's round trip on an idle and on a saturated link (issue 14). Not part of the build (the "benchmark"
 * tag is excluded); run it with the command in BENCHMARKS.md. Prints {@code BENCH} lines, asserts nothing about speed.
 * <p>
 * Two processes of {@code node/target/meshnode.jar} (TLS, the default; heartbeat 200 ms / 5 s / 3, lenient so that a
 * saturated link is measured, not closed), each with {@link MessagingLoad} in its {@code deploy/}: A sends to B through
 * {@code Messaging.send} as fast as the link takes it (waiting on {@code whenWritable} when refused for the budget), B's
 * handler counts. The baseline is two processes of transport.netty's {@code RawTlsPeer}: the transport's own TLS
 * engines on a bare Netty pipeline, sending with {@code writeAndFlush} per frame, once without and once with Netty's
 * flush consolidation (which the transport has); the faster of the two is the ratio's denominator. Each phase runs
 * 4 s of warm-up and is measured over the next 8 s (0.3 s and 0.6 s in the build's smoke run,
 * {@link BenchScale}, with 2 rounds) from the receiver's own
 * counters and clock; phases alternate, {@code -Dbench.rounds} times (3; the first one warms the JITs up and its
 * figures are marked so). Beside MiB/s it prints payload MiB per
 * CPU-second of the sending and receiving processes, which a machine loaded by others disturbs less.
 */
@Tag("benchmark")
class MessagingBench {
    private static final long WARMUP_MS = BenchScale.SMOKE ? 300 : 4_000;
    private static final long MEASURE_MS = BenchScale.SMOKE ? 600 : 8_000;
    private static final int[] SIZES = {1024, 64 * 1024};
    /** The mesh's data frame around a payload: type, topic length and the topic. */
    private static final int HEADER = 1 + 2 + MessagingLoad.TOPIC.length();
    private static final List<String> JVM = List.of("-Xmx256m", "-XX:+UseSerialGC");

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path root;

    private final List<AutoCloseable> running = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : running) {
            c.close();
        }
    }

    @Test
    void messagingAgainstRawNettyOverTls() throws Exception {
        int rounds = Integer.getInteger("bench.rounds", BenchScale.pick(3, 2));
        int port = ThreadLocalRandom.current().nextInt(20_000, 40_000);
        NodeProcess a = new NodeProcess(root, "a", "127.0.21.10:" + port);
        NodeProcess b = new NodeProcess(root, "b", "127.0.21.11:" + port);
        Path control = root.resolve("control");
        Files.writeString(control, "0");
        Path load = root.resolve("load.jar");
        NodeProcess.writeBundle(load, MessagingLoad.class, MessagingLoad.manifest());
        for (NodeProcess n : List.of(a, b)) {
            n.jvm.addAll(JVM);
            n.jvm.add("-XX:TieredStopAtLevel=4"); // the full JIT, as bin/meshnode runs (NodeProcess starts C1 only)
            n.peers(a, b).set("heartbeat", "interval", "200ms").set("heartbeat", "timeout", "5s")
                .set("heartbeat", "missed", "3");
            Files.createDirectories(n.home.resolve("deploy"));
            Files.copy(load, n.home.resolve("deploy/load.jar"));
            running.add(n);
        }
        a.jvm.addAll(List.of("-D" + MessagingLoad.ROLE + "=send", "-D" + MessagingLoad.CONTROL + "=" + control));
        b.jvm.add("-D" + MessagingLoad.ROLE + "=receive");
        a.start();
        b.start();
        a.awaitReady(Duration.ofSeconds(90));
        b.awaitReady(Duration.ofSeconds(90));
        Waits.until(Duration.ofSeconds(60), Duration.ofMillis(50), () -> !lines(a.stdout, "BENCH rtt").isEmpty()
            && !lines(b.stdout, "BENCH rx").isEmpty(), () -> "not linked: " + a.stdout + b.stdout);

        String rawAddress = "127.0.21.20:" + port;
        Peer receiver = Peer.start(root, "raw-rx", "receive", rawAddress);
        running.add(receiver);
        Waits.until(Duration.ofSeconds(30), Duration.ofMillis(50), () -> !lines(receiver.out, "BENCH listening").isEmpty(),
            () -> "raw receiver: " + receiver.out);

        // Both raw senders stay up (paused) for the whole run, as the nodes do, so their JIT warms up across phases.
        Peer plain = Peer.start(root, "raw-tx", "send", rawAddress, "plain");
        running.add(plain);
        Peer consolidating = Peer.start(root, "raw-tx-c", "send", rawAddress, "consolidate");
        running.add(consolidating);
        for (Peer sender : List.of(plain, consolidating)) {
            Waits.until(Duration.ofSeconds(30), Duration.ofMillis(50), () -> !lines(sender.out, "BENCH connected").isEmpty(),
                () -> "raw sender: " + sender.out);
        }
        List<String> report = new ArrayList<>();
        List<Long> idle = new ArrayList<>();
        List<List<Long>> busy = List.of(new ArrayList<>(), new ArrayList<>());
        for (int round = 0; round < rounds; round++) {
            // the heartbeat's round trip on the idle link
            boolean counted = round > 0; // the first round warms the JITs of all four processes up
            long t0 = System.nanoTime();
            Thread.sleep(WARMUP_MS);
            if (counted) {
                idle.addAll(rtts(a, t0, System.nanoTime()));
            }
            for (int s = 0; s < SIZES.length; s++) {
                int size = SIZES[s];
                Phase mesh = measure(b.stdout, a.pid(), b.pid(), () -> write(control, size), () -> write(control, 0));
                if (counted) {
                    busy.get(s).addAll(rtts(a, mesh.from, mesh.to));
                }
                Phase raw = rawPhase(receiver, plain, size);
                Phase consolidated = rawPhase(receiver, consolidating, size);
                double base = Math.max(raw.mib(size), consolidated.mib(size));
                double baseCpu = Math.max(raw.mibPerCpu(size), consolidated.mibPerCpu(size));
                String line = String.format(Locale.ROOT,
                    BenchScale.bench() + "round %d%s, %d-byte payloads over TLS: Messaging %.0f msg/s %.1f MiB/s (cpu A %.1fs B %.1fs, %.0f MiB "
                        + "per cpu-s); raw Netty %.0f msg/s %.1f MiB/s (cpu %.1fs/%.1fs, %.0f MiB per cpu-s), with flush "
                        + "consolidation %.0f msg/s %.1f MiB/s (cpu %.1fs/%.1fs, %.0f MiB per cpu-s); ratio %.2f (per cpu-s %.2f); "
                        + "load average %s",
                    round + 1, counted ? "" : " (warm-up)", size, mesh.rate(), mesh.mib(size), mesh.cpuSender,
                    mesh.cpuReceiver, mesh.mibPerCpu(size),
                    raw.rate(), raw.mib(size), raw.cpuSender, raw.cpuReceiver, raw.mibPerCpu(size), consolidated.rate(),
                    consolidated.mib(size), consolidated.cpuSender, consolidated.cpuReceiver, consolidated.mibPerCpu(size),
                    mesh.mib(size) / base, mesh.mibPerCpu(size) / baseCpu, loadAverage());
                System.out.println(line);
                report.add(line);
            }
        }
        report.add(BenchScale.bench() + "heartbeat round trip A->B, idle link: " + summary(idle));
        for (int s = 0; s < SIZES.length; s++) {
            report.add(BenchScale.bench() + "heartbeat round trip A->B, link saturated by " + SIZES[s] + "-byte messages: "
                + summary(busy.get(s)));
        }
        report.add(BenchScale.bench() + "B's handler dropped payloads (log lines): " + b.logLines("payloads dropped").size()
            + "; A's link to B closed: " + a.logLines("link to " + b.shortId()).size() + " times");
        System.out.println(BenchScale.bench() + "===== summary =====");
        report.forEach(System.out::println);
        Files.createDirectories(Path.of("target"));
        String file = BenchScale.SMOKE ? "messaging-bench-smoke.txt" : "messaging-bench.txt";
        Files.writeString(Path.of("target", file), String.join("\n", report) + "\n");
    }

    /** What the receiver counted over one measured window, and the CPU the two processes took meanwhile. */
    private record Phase(long from, long to, long messages, double seconds, double cpuSender, double cpuReceiver) {
        double rate() {
            return messages / seconds;
        }

        double mib(int payload) {
            return rate() * payload / (1024.0 * 1024.0);
        }

        /** Payload MiB moved per CPU-second of the two processes: steadier than MiB/s on a machine others load. */
        double mibPerCpu(int payload) {
            return messages * (double) payload / (1024.0 * 1024.0) / Math.max(0.01, cpuSender + cpuReceiver);
        }
    }

    private static Phase rawPhase(Peer receiver, Peer sender, int size) throws Exception {
        // the same bytes on the wire as the mesh's frame: payload and the data header
        return measure(receiver.out, sender.process.pid(), receiver.process.pid(),
            () -> sender.command(Integer.toString(size + HEADER)), () -> sender.command("0"));
    }

    private interface Step {
        void run() throws Exception;
    }

    /** Starts the load, waits out the warm-up, measures from the receiver's {@code BENCH rx} lines, stops the load. */
    private static Phase measure(List<String> rx, long senderPid, long receiverPid, Step start, Step stop) throws Exception {
        start.run();
        try {
            Thread.sleep(WARMUP_MS);
            long[] first = lastRx(rx);
            double cpuS = cpuSeconds(senderPid);
            double cpuR = cpuSeconds(receiverPid);
            long from = System.nanoTime();
            Thread.sleep(MEASURE_MS);
            long[] last = lastRx(rx);
            return new Phase(from, System.nanoTime(), last[0] - first[0], (last[2] - first[2]) / 1e9,
                cpuSeconds(senderPid) - cpuS, cpuSeconds(receiverPid) - cpuR);
        } finally {
            stop.run();
            // drained: the receiver's count stands still before the next phase starts
            long[] before = {-1};
            Waits.until(Duration.ofSeconds(30), Duration.ofMillis(300), () -> {
                long now = lastRx(rx)[0];
                boolean still = now == before[0];
                before[0] = now;
                return still;
            }, () -> "the receiver did not drain");
        }
    }

    /** @return {messages, bytes, nanoTime} of the receiver's last report */
    private static long[] lastRx(List<String> out) {
        List<String> rx = lines(out, "BENCH rx ");
        if (rx.isEmpty()) {
            throw new IllegalStateException("no BENCH rx line: " + out);
        }
        String[] f = rx.get(rx.size() - 1).trim().split(" ");
        return new long[] {Long.parseLong(f[2]), Long.parseLong(f[3]), Long.parseLong(f[4])};
    }

    /** @return the heartbeat round trips (µs) A reported between the two instants */
    private static List<Long> rtts(NodeProcess a, long from, long to) {
        List<Long> out = new ArrayList<>();
        for (String l : lines(a.stdout, "BENCH rtt ")) {
            String[] f = l.trim().split(" ");
            long at = Long.parseLong(f[3]);
            if (at >= from && at <= to) {
                out.add(Long.parseLong(f[2]));
            }
        }
        return out;
    }

    private static String summary(List<Long> micros) {
        if (micros.isEmpty()) {
            return "no samples";
        }
        long[] s = micros.stream().mapToLong(Long::longValue).sorted().toArray();
        return String.format(Locale.ROOT, "%d samples, median %.2f ms, p90 %.2f ms, max %.2f ms", s.length,
            s[s.length / 2] / 1e3, s[(int) Math.min(s.length - 1, Math.round(s.length * 0.9))] / 1e3, s[s.length - 1] / 1e3);
    }

    private static List<String> lines(List<String> out, String prefix) {
        List<String> found = new ArrayList<>();
        for (String l : out) {
            if (l.startsWith(prefix)) {
                found.add(l);
            }
        }
        return found;
    }

    private static void write(Path control, int size) throws IOException {
        Path tmp = control.resolveSibling("control.tmp");
        Files.writeString(tmp, Integer.toString(size));
        Files.move(tmp, control, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** @return user + system CPU seconds of a process (Linux /proc), 0 where that cannot be read */
    private static double cpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0; // utime, stime in clock ticks (USER_HZ 100)
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }

    /** A process of transport.netty's RawTlsPeer (its test classes), with the nodes' heap and collector. */
    private static final class Peer implements AutoCloseable {
        final Process process;
        final List<String> out = new CopyOnWriteArrayList<>();
        private final Writer commands;

        private Peer(Process process) {
            this.process = process;
            this.commands = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null;) {
                        out.add(line);
                    }
                } catch (IOException e) {
                    // ended
                }
            });
            reader.setDaemon(true);
            reader.start();
        }

        static Peer start(Path root, String name, String... args) throws IOException {
            String base = System.getProperty("meshnode.root", "..");
            String cp = String.join(File.pathSeparator, Path.of(base, "transport.netty/target/test-classes").toString(),
                Path.of(base, "transport.netty/target/classes").toString(),
                System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            command.addAll(JVM);
            command.addAll(List.of("-cp", cp, "io.meshnode.transport.netty.internal.RawTlsPeer"));
            command.addAll(Arrays.asList(args));
            ProcessBuilder pb = new ProcessBuilder(command);
            pb.redirectError(ProcessBuilder.Redirect.appendTo(root.resolve(name + ".stderr.txt").toFile()));
            return new Peer(pb.start());
        }

        void command(String line) throws IOException {
            commands.write(line + "\n");
            commands.flush();
        }

        @Override
        public void close() throws InterruptedException {
            try {
                command("quit");
            } catch (IOException e) {
                // gone already
            }
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
