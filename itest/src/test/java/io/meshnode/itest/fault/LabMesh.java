package io.meshnode.itest.fault;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.BiPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Assumptions;

import io.meshnode.itest.mesh.Examples;

/**
 * The lab's five nodes with the fault suite's settings (FaultIT, ChaosIT), the gossip example in every node's
 * {@code deploy/}, and the two views the suites judge the mesh by: the kernel's (established connections per
 * pair, from {@code ss} in each namespace) and each node's own (its log).
 */
final class LabMesh implements AutoCloseable {
    static final int HOSTS = 5;
    /** Every host has its own address in its own namespace: one port for all cannot collide. */
    static final int PORT = 7800;
    static final Duration READY = Duration.ofSeconds(60);
    static final Duration MESH = Duration.ofSeconds(60);

    /** Base heartbeat: interval, timeout, missed; the detection bound is missed × interval + timeout. */
    static final long INTERVAL = 200;
    static final long TIMEOUT = 100;
    static final int MISSED = 3;
    static final long BOUND = MISSED * INTERVAL + TIMEOUT;
    /** Retry: backoff 100 ms … 400 ms, equal jitter: at least 50 ms between two attempts of one peer. */
    static final long RETRY_INITIAL = 100;
    static final long RETRY_MAX = 400;
    /**
     * Detection may take the bound after the last frame; add one interval (the last frame may precede the
     * fault) and two seconds for scheduling on a loaded two-core machine (load averages of 20 were seen).
     */
    static final long DETECTION_LIMIT = BOUND + INTERVAL + 2000;

    /**
     * The application load on busy links: every node broadcasts {@code GOSSIP_SIZE} every {@code GOSSIP_INTERVAL} to
     * each of its 4 peers (-Dlab.gossip.size, -Dlab.gossip.interval to try others). See FAULTS.md for why this load.
     */
    static final String GOSSIP_SIZE = System.getProperty("lab.gossip.size", "1k");

    /** {@link #GOSSIP_SIZE} in bytes, read as the gossip bundle reads its size. */
    static int gossipBytes() {
        return (int) io.meshnode.api.config.ConfigValues.parseSize(GOSSIP_SIZE);
    }
    static final String GOSSIP_INTERVAL = System.getProperty("lab.gossip.interval", "10ms");
    private static final Pattern SUMMARY = Pattern.compile("gossip '[^']*': sent (\\d+) refused (\\d+) failed (\\d+) received (\\d+) in the last");

    final Lab lab;
    final List<LabNode> nodes = new ArrayList<>();
    private final Path delayProgram;
    private Process delay;
    private int delayHost = -1;

    private LabMesh(Lab lab, Path delayProgram) {
        this.lab = lab;
        this.delayProgram = delayProgram;
    }

    /**
     * Builds the lab and starts its five nodes (gossip deployed, not sending), waiting for their ready lines. Not
     * root: prints a banner naming the suite and aborts the test class, except under CI, where it fails.
     */
    static LabMesh open(String suite, Path homes) throws IOException, InterruptedException {
        String why = Lab.unavailable();
        if (why != null) {
            String banner = "\n" + "!".repeat(100) + "\n!!! " + suite + " NOT RUN: " + why
                + "\n!!! Run `mvn -B verify` as root on Linux to run it (docs/testing.md, \"Fault suite\").\n" + "!".repeat(100);
            System.err.println(banner);
            System.out.println(banner);
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail(suite + " cannot run in CI: " + why);
            }
            Assumptions.abort(suite + " skipped: " + why);
        }
        Lab.installMissingPackages();
        Path target = Path.of("target").toAbsolutePath();
        Files.createDirectories(target);
        Path delayProgram = Lab.buildDelayProgram(target);
        LabMesh mesh = new LabMesh(Lab.up(HOSTS), delayProgram);
        try {
            mesh.startNodes(homes);
        } catch (IOException | RuntimeException | Error e) {
            mesh.close();
            throw e;
        }
        return mesh;
    }

    private void startNodes(Path homes) throws IOException {
        System.out.println("[fault] lab " + lab.name + " on " + lab.prefix + ".0/24, " + HOSTS + " hosts");
        for (int i = 1; i <= HOSTS; i++) {
            nodes.add(new LabNode(lab, homes, i, PORT));
        }
        Path gossip = Examples.gossipJar();
        for (LabNode n : nodes) {
            List<String> peers = new ArrayList<>();
            nodes.stream().filter(o -> o != n).forEach(o -> peers.add(o.listen));
            n.set("mesh", "peers", String.join(",", peers)).set("mesh", "dial.grace", "300ms");
            heartbeat(n, INTERVAL, TIMEOUT);
            n.set("retry", "initial", RETRY_INITIAL + "ms").set("retry", "max", RETRY_MAX + "ms").set("retry", "stable", "300ms");
            n.set("transport", "connect.timeout", "100ms").set("transport", "handshake.timeout", "3s");
            n.set("gossip", "enabled", "false").set("gossip", "size", GOSSIP_SIZE).set("gossip", "interval", GOSSIP_INTERVAL)
                .set("gossip", "summary", "1s");
            Files.createDirectories(n.home.resolve("deploy"));
            Files.copy(gossip, n.home.resolve("deploy/gossip.jar"));
        }
        for (LabNode n : nodes) {
            n.start();
        }
        for (LabNode n : nodes) {
            n.awaitReady(READY);
        }
    }

    static void heartbeat(LabNode n, long interval, long timeout) {
        n.set("heartbeat", "interval", interval + "ms").set("heartbeat", "timeout", timeout + "ms")
            .set("heartbeat", "missed", Integer.toString(MISSED));
    }

    @Override
    public void close() throws InterruptedException {
        try {
            stopDelay();
            for (LabNode n : nodes) {
                n.stop();
            }
        } finally {
            lab.close();
        }
    }

    /** A healed network, every node running (started again if it is not) and the full mesh standing. */
    Duration heal() throws IOException, InterruptedException {
        lab.rules();
        stopDelay();
        for (LabNode n : nodes) {
            if (n.alive()) {
                n.signal("CONT");
            } else {
                n.start();
            }
        }
        for (LabNode n : nodes) {
            if (n.id() == null) {
                n.awaitReady(READY);
            }
        }
        return awaitFullMesh();
    }

    LabNode node(int host) {
        return nodes.get(host - 1);
    }

    List<LabNode> others(LabNode n) {
        return nodes.stream().filter(o -> o != n).toList();
    }

    // ---------------------------------------------------------------------------------------- the gossip load

    /**
     * Turns every node's gossip on or off (etc/meshnode.gossip.cfg, applied live) and waits until each node said
     * so; turned on, also until every node has received gossip in a summary logged after that.
     */
    void gossip(boolean on) throws IOException {
        Map<LabNode, Integer> from = new HashMap<>();
        for (LabNode n : nodes) {
            from.put(n, n.logLines("gossip").size());
            n.set("gossip", "enabled", Boolean.toString(on)).writeConfig("gossip");
        }
        String said = on ? "gossip configured: sending" : "gossip configured: not sending";
        for (LabNode n : nodes) {
            Poll.until(Duration.ofSeconds(20), () -> after(n, from.get(n)).stream().anyMatch(l -> l.contains(said)),
                () -> n + " did not apply the gossip configuration: " + after(n, from.get(n)));
        }
        if (on) {
            for (LabNode n : nodes) {
                Poll.until(Duration.ofSeconds(20), () -> after(n, from.get(n)).stream().anyMatch(l -> summary(l)[3] > 0),
                    () -> n + " receives no gossip: " + after(n, from.get(n)));
            }
        }
    }

    private static List<String> after(LabNode n, int from) {
        List<String> lines = n.logLines("gossip");
        return lines.subList(Math.min(from, lines.size()), lines.size());
    }

    /** @return sent, refused, failed, received of a gossip summary line, or zeros */
    static long[] summary(String line) {
        Matcher m = SUMMARY.matcher(line);
        return m.find() ? new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
            Long.parseLong(m.group(4))} : new long[4];
    }

    /** The node's last gossip summary line (sent, refused, failed, received in the last second), as logged. */
    static String lastSummary(LabNode n) {
        List<String> lines = n.logLines("gossip '");
        if (lines.isEmpty()) {
            return "none";
        }
        String last = lines.get(lines.size() - 1);
        return last.substring(last.indexOf("sent "), last.indexOf(" in the last"));
    }

    // ------------------------------------------------------------------------------------------ delay (NFQUEUE)

    /** Holds every TCP packet the host receives for {@code ms}: nfq-delay behind an iptables NFQUEUE rule. */
    void startDelay(LabNode n, int ms) throws IOException {
        delay = new ProcessBuilder("ip", "netns", "exec", lab.ns(n.host), delayProgram.toString(), "0",
            Integer.toString(ms)).redirectErrorStream(true).start();
        String first = new BufferedReader(new InputStreamReader(delay.getInputStream(), StandardCharsets.UTF_8))
            .readLine();
        assertTrue(first != null && first.startsWith("nfq-delay ready"), "nfq-delay: " + first);
        // On the way in: a packet held on the way out would still count against its socket's TCP small queue
        // and hold back the socket's next packets (RTTs of 300-400 ms instead of 200).
        lab.exec(n.host, "iptables", "-A", "INPUT", "-p", "tcp", "-j", "NFQUEUE", "--queue-num", "0", "--queue-bypass");
        delayHost = n.host;
    }

    void stopDelay() throws InterruptedException {
        if (delayHost > 0) {
            lab.exec(delayHost, "iptables", "-F", "INPUT");
            delayHost = -1;
        }
        if (delay != null) {
            delay.destroy();
            delay.waitFor(5, TimeUnit.SECONDS);
            delay = null;
        }
    }

    // ------------------------------------------------------------------------------------- views of the mesh

    static String key(LabNode a, LabNode b) {
        return a.host < b.host ? a.name + "-" + b.name : b.name + "-" + a.name;
    }

    /** Established connections per pair, from the kernel: each counted at the node that accepted it. */
    Map<String, Integer> pairs() {
        return pairs(established());
    }

    /** {@link #pairs()} of a snapshot. */
    Map<String, Integer> pairs(Map<LabNode, List<String[]>> established) {
        Map<String, Integer> pairs = new TreeMap<>();
        connections(established, (a, b) -> true).forEach(c -> pairs.merge(c.substring(0, c.indexOf(' ')), 1, Integer::sum));
        return pairs;
    }

    /**
     * The established connections of the pairs {@code which} selects, from the kernel, as "pair local<-remote"
     * (seen at the node that accepted them): the same set later means the same TCP connections.
     */
    Set<String> connections(BiPredicate<LabNode, LabNode> which) {
        return connections(established(), which);
    }

    /** Every host's established TCP connections, from the kernel, at one moment (as near as five reads get). */
    Map<LabNode, List<String[]>> established() {
        Map<LabNode, List<String[]>> all = new HashMap<>();
        nodes.forEach(n -> all.put(n, n.established()));
        return all;
    }

    /** {@link #connections(BiPredicate)} of a snapshot. */
    Set<String> connections(Map<LabNode, List<String[]>> established, BiPredicate<LabNode, LabNode> which) {
        Map<String, LabNode> byAddress = new HashMap<>();
        nodes.forEach(n -> byAddress.put(n.address, n));
        Set<String> out = new TreeSet<>();
        for (LabNode n : nodes) {
            for (String[] c : established.get(n)) {
                LabNode peer = byAddress.get(c[1].substring(0, c[1].lastIndexOf(':')));
                if (c[0].equals(n.listen) && peer != null && peer != n && which.test(n, peer)) {
                    out.add(key(n, peer) + " " + c[0] + "<-" + c[1]);
                }
            }
        }
        return out;
    }

    int duplicates() {
        return pairs().values().stream().mapToInt(c -> c - 1).sum();
    }

    /** Every pair within the group has its one connection in the kernel. */
    boolean linksUp(List<LabNode> group) {
        Map<String, Integer> pairs = pairs();
        for (LabNode a : group) {
            for (LabNode b : group) {
                if (a != b && pairs.getOrDefault(key(a, b), 0) != 1) {
                    return false;
                }
            }
        }
        return true;
    }

    /** One connection per pair in the kernel, and every node sees every peer connected. */
    boolean fullMesh() {
        Map<String, Integer> pairs = pairs();
        return pairs.size() == HOSTS * (HOSTS - 1) / 2 && pairs.values().stream().allMatch(c -> c == 1)
            && nodes.stream().allMatch(n -> others(n).stream().allMatch(n::linkUp));
    }

    Duration awaitFullMesh() {
        return awaitFullMesh(MESH);
    }

    Duration awaitFullMesh(Duration within) {
        return Poll.until(within, this::fullMesh, () -> "no full mesh: kernel " + pairs() + "; nodes' views "
            + nodes.stream().map(n -> n.name + n.view()).toList());
    }

    void assertNoDuplicatesFor(Duration period) {
        Poll.during(period, () -> duplicates() == 0, () -> "duplicate links: " + pairs());
    }

    /**
     * Links lost or closed, as logged since the scenario began (the nodes' marks), between pairs the fault did
     * not touch.
     */
    int falseDisconnects(BiPredicate<LabNode, LabNode> affected) {
        int count = 0;
        for (LabNode n : nodes) {
            for (LabNode p : others(n)) {
                if (!affected.test(n, p)) {
                    count += n.logLines("link to " + p.shortId(), " lost:").size();
                    count += n.logLines("link to " + p.shortId(), " closed:").size();
                }
            }
        }
        return count;
    }

    /** Waits for the node's log line that its link to the peer was lost (since the scenario began). */
    static String awaitLost(LabNode n, LabNode peer) {
        Poll.until(Duration.ofSeconds(20), () -> !n.logLines("link to " + peer.shortId(), " lost:").isEmpty(),
            () -> n + " did not lose its link to " + peer);
        return n.logLines("link to " + peer.shortId(), " lost:").get(0);
    }

    static String reason(String lostLine) {
        Matcher m = Pattern.compile(" lost: (\\S+)").matcher(lostLine);
        return m.find() ? m.group(1) : "?";
    }

    static long ms(LocalDateTime from, String logLine) {
        return Duration.between(from, LabNode.time(logLine)).toMillis();
    }

    static String ratio(long ms, long bound) {
        return String.format(Locale.ROOT, "%.2f× the bound", (double) ms / bound);
    }
}
