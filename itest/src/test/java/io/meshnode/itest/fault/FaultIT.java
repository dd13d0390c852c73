package io.meshnode.itest.fault;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static io.meshnode.itest.fault.LabMesh.awaitLost;
import static io.meshnode.itest.fault.LabMesh.key;
import static io.meshnode.itest.fault.LabMesh.ms;
import static io.meshnode.itest.fault.LabMesh.ratio;
import static io.meshnode.itest.fault.LabMesh.reason;


import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fault suite (issue 6): five nodes of the distribution jar, each its own host in a network
 * namespace on a private bridge ({@link Lab}), and the faults operators meet — a killed process, a
 * silent blackhole, a partition, packet loss, delay, a frozen process, a restart of every node, a
 * designated dialer that was gone past the other side's give-up count. One lab and one set of nodes
 * serve every scenario; before each one the network is healed, every node runs and the full mesh
 * stands. Each scenario prints its figures ({@code [fault]} lines, summed up at the end and written to
 * {@code target/fault-figures.txt}); FAULTS.md records them.
 *
 * <p>The blackhole, the partition and the freeze run a second time with every link busy (2b, 3b, 6b, issue 14):
 * each node gossips through the example bundle in its {@code deploy/} ({@link LabMesh#GOSSIP_SIZE} every
 * {@link LabMesh#GOSSIP_INTERVAL} to each peer), detection must stay within the same limit, and the links the fault
 * does not reach must keep their TCP connections.
 *
 * <p>Assertions use bounds derived from the configured timings with generous margins (two cores are
 * shared with builds); what is measured is printed, not asserted.
 *
 * <p>Needs root and {@code ip netns}. When not root it prints a banner and is skipped, except under CI
 * ({@code CI=true}) where it fails; as root it fails if the lab cannot be built.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultIT {
    private static final int HOSTS = LabMesh.HOSTS;
    private static final Duration READY = LabMesh.READY;
    private static final Duration MESH = LabMesh.MESH;
    private static final long INTERVAL = LabMesh.INTERVAL;
    private static final int MISSED = LabMesh.MISSED;
    private static final long BOUND = LabMesh.BOUND;
    /** The default settings' ratio (30s/10s/3) at 3 % of their size, for loss and delay: bound 3 s. */
    private static final long LOSSY_INTERVAL = 900;
    private static final long LOSSY_TIMEOUT = 300;
    private static final long LOSSY_BOUND = MISSED * LOSSY_INTERVAL + LOSSY_TIMEOUT;
    private static final long RETRY_INITIAL = LabMesh.RETRY_INITIAL;
    private static final long DETECTION_LIMIT = LabMesh.DETECTION_LIMIT;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    static Path homes;

    private LabMesh mesh;
    private Lab lab;
    private List<LabNode> nodes;
    private final Figures figures = new Figures("fault", "fault-figures.txt");

    @BeforeAll
    void buildLab() throws Exception {
        mesh = LabMesh.open("FAULT SUITE", homes);
        lab = mesh.lab;
        nodes = mesh.nodes;
    }

    @AfterAll
    void tearDown() throws Exception {
        if (mesh != null) {
            mesh.close();
        }
        figures.write();
    }

    /** Every scenario starts from a healed network, every node running and the full mesh standing. */
    @BeforeEach
    void healAndAwaitFullMesh() throws Exception {
        mesh.heal();
        nodes.forEach(LabNode::markLog);
    }

    // ---------------------------------------------------------------------------------------------------

    @Test
    @Order(1)
    void scenario1KilledNodeIsClosedAtOnceRetriedWithBackoffAndRejoins() throws Exception {
        String s = "1. kill -9 one node";
        LabNode victim = node(5);
        List<LabNode> others = others(victim);
        LocalDateTime killed = LocalDateTime.now();
        victim.kill();
        long maxMs = 0;
        List<String> reasons = new ArrayList<>();
        for (LabNode o : others) {
            String line = awaitLost(o, victim);
            maxMs = Math.max(maxMs, ms(killed, line));
            reasons.add(reason(line));
        }
        record(s, "links closed by all " + others.size() + " peers within " + maxMs + " ms (heartbeat bound " + BOUND
            + " ms); reasons " + reasons);
        // The kernel of the dead process's host answers with RST/EOF at once. A peer starved of CPU for longer
        // than the bound may see its heartbeat fire before it reads the EOF, so one such peer is tolerated.
        long byHeartbeat = reasons.stream().filter("TIMEOUT"::equals).count();
        assertTrue(reasons.stream().allMatch(r -> r.equals("REMOTE_CLOSED") || r.equals("IO_ERROR") || r.equals("TIMEOUT"))
            && byHeartbeat <= 1, "a killed process's links close with RST/EOF, not by the heartbeat: " + reasons);

        // The peers retry with backoff while it is down: count their connection attempts on the bridge.
        long before = lab.syns();
        Duration down = Duration.ofMillis(2000);
        Poll.hold(down);
        long attempts = lab.syns() - before;
        long ceiling = others.size() * (down.toMillis() / (RETRY_INITIAL / 2) + 1);
        record(s, "connection attempts to the dead node in " + down.toMillis() + " ms: " + attempts + " ("
            + String.format(Locale.ROOT, "%.1f", attempts * 1000.0 / down.toMillis() / others.size())
            + "/s per peer; without backoff the floor of 50 ms would allow " + ceiling + ")");
        assertTrue(attempts >= others.size(), "every peer retries: " + attempts + " attempts");
        assertTrue(attempts <= ceiling, "retries back off: " + attempts + " attempts");

        victim.start().awaitReady(READY);
        LocalDateTime ready = LocalDateTime.now();
        Duration full = mesh.awaitFullMesh();
        record(s, "the restarted node's links up " + linkTimes(victim, ready) + " ms after its ready line");
        record(s, "full mesh " + full.toMillis() + " ms after the restarted node's ready line; duplicate links "
            + mesh.duplicates() + "; false disconnects " + mesh.falseDisconnects((a, b) -> a == victim || b == victim));
        assertEquals(0, mesh.falseDisconnects((a, b) -> a == victim || b == victim));
    }

    @Test
    @Order(2)
    void scenario2SilentBlackholeIsCaughtByTheHeartbeatAndHeals() throws Exception {
        blackhole("2. silent blackhole of one node");
    }

    @Test
    @Order(3)
    void scenario3PartitionKeepsEachSideAndHeals() throws Exception {
        partition("3. partition {1,2} | {3,4,5}");
    }

    @Test
    @Order(4)
    void scenario6FrozenNodeIsMarkedDownAndResumesWithoutAFlood() throws Exception {
        freeze("6. SIGSTOP one node past the bound, then SIGCONT");
    }

    // Issue 14: the same three silent faults while every link carries the gossip example's traffic
    // (LabMesh.GOSSIP_SIZE every LabMesh.GOSSIP_INTERVAL from each node to each peer): detection within the same
    // limit, and the links the fault does not reach keep their TCP connection.

    @Test
    @Order(5)
    void scenario2bBlackholeOnBusyLinksIsCaughtWithinTheSameLimit() throws Exception {
        busy(() -> blackhole("2b. silent blackhole of one node, links busy"));
    }

    @Test
    @Order(6)
    void scenario3bPartitionOnBusyLinksKeepsEachSide() throws Exception {
        busy(() -> partition("3b. partition {1,2} | {3,4,5}, links busy"));
    }

    @Test
    @Order(7)
    void scenario6bFrozenNodeOnBusyLinksIsMarkedDownWithinTheSameLimit() throws Exception {
        busy(() -> freeze("6b. SIGSTOP one node past the bound, then SIGCONT, links busy"));
    }

    private interface Scenario {
        void run() throws Exception;
    }

    /** Runs a scenario with every node gossiping; the gossip stops again after it, also when it fails. */
    private void busy(Scenario scenario) throws Exception {
        mesh.gossip(true);
        try {
            scenario.run();
        } finally {
            mesh.gossip(false);
        }
    }

    /** The gossip each node carried in its last second before the fault (its own summary line), or "idle". */
    private String load() {
        if (nodes.stream().allMatch(n -> n.logLines("gossip configured: sending").isEmpty())) {
            return "links idle";
        }
        StringBuilder text = new StringBuilder("links busy, last second before the fault:");
        nodes.forEach(n -> text.append(' ').append(n.name).append(" [").append(LabMesh.lastSummary(n)).append(']'));
        return text.toString();
    }

    private void blackhole(String s) throws Exception {
        LabNode victim = node(3);
        List<LabNode> others = others(victim);
        BiPredicate<LabNode, LabNode> affected = (a, b) -> a == victim || b == victim;
        Set<String> kept = mesh.connections(affected.negate());
        String load = load();
        lab.rules("iifname " + Lab.port(3) + " drop", "oifname " + Lab.port(3) + " drop");
        LocalDateTime cut = LocalDateTime.now();
        long max = 0;
        for (LabNode o : others) {
            for (String line : List.of(awaitLost(o, victim), awaitLost(victim, o))) {
                assertEquals("TIMEOUT", reason(line), "a silent peer is caught by the heartbeat: " + line);
                max = Math.max(max, ms(cut, line));
            }
        }
        record(s, "detected on both sides of all " + others.size() + " links within " + max + " ms of the cut (bound "
            + BOUND + " ms from the last frame, " + ratio(max, BOUND) + "); " + load);
        assertTrue(max <= DETECTION_LIMIT, "detection took " + max + " ms, limit " + DETECTION_LIMIT + " ms");
        Poll.hold(Duration.ofSeconds(1));
        assertKept(kept, affected, "during the blackhole");

        lab.rules();
        Duration healed = mesh.awaitFullMesh();
        int falseDisconnects = mesh.falseDisconnects(affected);
        record(s, "healed: full mesh after " + healed.toMillis() + " ms; duplicate links " + mesh.duplicates()
            + "; false disconnects " + falseDisconnects + "; the 6 other links kept their TCP connections");
        assertEquals(0, falseDisconnects);
        assertKept(kept, affected, "after the heal");
        mesh.assertNoDuplicatesFor(Duration.ofSeconds(1));
    }

    private void partition(String s) throws Exception {
        List<LabNode> left = List.of(node(1), node(2));
        List<LabNode> right = List.of(node(3), node(4), node(5));
        BiPredicate<LabNode, LabNode> cross = (a, b) -> left.contains(a) != left.contains(b);
        Set<String> kept = mesh.connections(cross.negate());
        String load = load();
        String l = "{ " + Lab.port(1) + ", " + Lab.port(2) + " }";
        String r = "{ " + Lab.port(3) + ", " + Lab.port(4) + ", " + Lab.port(5) + " }";
        lab.rules("iifname " + l + " oifname " + r + " drop", "iifname " + r + " oifname " + l + " drop");
        LocalDateTime cut = LocalDateTime.now();
        long max = 0;
        for (LabNode a : left) {
            for (LabNode b : right) {
                max = Math.max(max, Math.max(ms(cut, awaitLost(a, b)), ms(cut, awaitLost(b, a))));
            }
        }
        record(s, "all 6 cross links detected on both sides within " + max + " ms (bound " + BOUND + " ms, "
            + ratio(max, BOUND) + "); " + load);
        assertTrue(max <= DETECTION_LIMIT, "detection took " + max + " ms, limit " + DETECTION_LIMIT + " ms");
        Poll.during(Duration.ofSeconds(1), () -> mesh.linksUp(left) && mesh.linksUp(right),
            () -> "a side lost an internal link: " + mesh.pairs());
        assertKept(kept, cross, "during the partition");

        lab.rules();
        Duration healed = mesh.awaitFullMesh();
        int falseDisconnects = mesh.falseDisconnects(cross);
        record(s, "internal links kept (false disconnects " + falseDisconnects + ", the same 4 TCP connections); healed: "
            + "full mesh after " + healed.toMillis() + " ms; duplicate links " + mesh.duplicates());
        assertEquals(0, falseDisconnects, "both sides keep their internal links");
        assertKept(kept, cross, "after the heal");
        mesh.assertNoDuplicatesFor(Duration.ofSeconds(1));
    }

    private void freeze(String s) throws Exception {
        LabNode frozen = node(2);
        List<LabNode> others = others(frozen);
        BiPredicate<LabNode, LabNode> affected = (a, b) -> a == frozen || b == frozen;
        Set<String> kept = mesh.connections(affected.negate());
        String load = load();
        frozen.signal("STOP");
        LocalDateTime stopped = LocalDateTime.now();
        long max = 0;
        for (LabNode o : others) {
            String line = awaitLost(o, frozen);
            assertEquals("TIMEOUT", reason(line), "only the heartbeat can see a frozen process: " + line);
            max = Math.max(max, ms(stopped, line));
        }
        record(s, "marked down by all " + others.size() + " peers within " + max + " ms (bound " + BOUND + " ms, "
            + ratio(max, BOUND) + "); " + load);
        assertTrue(max <= DETECTION_LIMIT, "detection took " + max + " ms, limit " + DETECTION_LIMIT + " ms");
        // Frozen for 3 × the bound in all: 10 ping intervals pass while it cannot run.
        Poll.hold(Duration.ofMillis(Math.max(0, 3 * BOUND - Duration.between(stopped, LocalDateTime.now()).toMillis())));
        assertKept(kept, affected, "while " + frozen.name + " was frozen");

        lab.rules("iifname " + Lab.port(2) + " counter comment \"resumed\"");
        frozen.signal("CONT");
        long resumed = System.nanoTime();
        Duration healed = mesh.awaitFullMesh();
        Poll.hold(Duration.ofNanos(Math.max(0, resumed + TimeUnit.SECONDS.toNanos(1) - System.nanoTime())));
        long first = lab.counter("resumed")[0];
        lab.rules("iifname " + Lab.port(2) + " counter comment \"steady\"");
        Poll.hold(Duration.ofSeconds(1));
        long steady = lab.counter("steady")[0];
        int lostOnResume = frozen.logLines(" lost:").size();
        int falseDisconnects = mesh.falseDisconnects(affected);
        record(s, "resumed: full mesh after " + healed.toMillis() + " ms; packets the node sent in its first second "
            + "after SIGCONT (4 reconnects included) " + first + ", in the second after that " + steady
            + "; links it found lost on resume " + lostOnResume + "; duplicate links " + mesh.duplicates()
            + "; false disconnects " + falseDisconnects);
        assertEquals(0, falseDisconnects);
        assertKept(kept, affected, "after SIGCONT");
        // Its peers closed the old links while it was frozen, so a catch-up burst cannot reach them (the exact
        // one-ping check is MeshIT's, with a peer that keeps the link). What is checked here: the first second
        // is ordinary traffic plus a reconnect (a handshake of a few segments per link), not a storm.
        long allowance = 2 * steady + 10L * others.size();
        assertTrue(first <= allowance, "the resumed node sent " + first + " packets in its first second, steady "
            + steady + "/s");
    }

    /** The links the fault does not reach still run on the TCP connections they had before it (no false close). */
    private void assertKept(Set<String> kept, BiPredicate<LabNode, LabNode> affected, String when) {
        assertEquals(HOSTS * (HOSTS - 1) / 2 - (int) nodes.stream().flatMap(a -> nodes.stream().filter(b -> a.host < b.host
            && affected.test(a, b))).count(), kept.size(), "one connection per untouched pair before the fault: " + kept);
        assertEquals(kept, mesh.connections(affected.negate()), "the links the fault does not reach changed " + when);
    }

    @Test
    @Order(8)
    void scenario8DesignatedDialerBackPastTheGiveUpCountReformsThePair() throws Exception {
        String s = "8. designated dialer down past the other side's give-up count";
        LabNode dialer = null;
        LabNode other = null;
        for (LabNode b : nodes.subList(1, HOSTS)) {
            if (dials(node(1), b)) {
                dialer = node(1);
                other = b;
                break;
            }
            if (dials(b, node(1))) {
                dialer = b;
                other = node(1);
                break;
            }
        }
        assertTrue(dialer != null, "some pair has a designated dialer");
        LabNode a = dialer;
        LabNode b = other;
        // The other side parks the dialer after 3 failures and would re-probe only after an hour.
        b.set("retry", "giveup.masternode", "3").set("retry", "probe", "1h");
        try {
            b.stop();
            b.start().awaitReady(READY);
            mesh.awaitFullMesh();
            nodes.forEach(LabNode::markLog);

            LocalDateTime killed = LocalDateTime.now();
            a.kill();
            Poll.until(Duration.ofSeconds(30), () -> !b.logLines("giving up fast retries of " + a.shortId()).isEmpty(),
                () -> b + " did not give up: " + b.logLines(a.shortId()));
            long parked = ms(killed, b.logLines("giving up fast retries of " + a.shortId()).get(0));
            a.start().awaitReady(READY);
            LocalDateTime ready = LocalDateTime.now();
            Duration pair = Poll.until(Duration.ofSeconds(30),
                () -> mesh.pairs().getOrDefault(key(a, b), 0) == 1 && b.linkUp(a) && a.linkUp(b),
                () -> "the pair did not re-form: " + mesh.pairs());
            String how = b.logLines("connected to " + a.shortId()).toString();
            Duration full = mesh.awaitFullMesh();
            record(s, "the returning dialer's links up " + linkTimes(a, ready) + " ms after its ready line");
            record(s, a.name + " dials " + b.name + "; " + b.name + " parked it " + parked
                + " ms after the kill (give-up 3, probe 1h); pair re-formed " + pair.toMillis()
                + " ms after the dialer's ready line, full mesh after " + full.toMillis() + " ms; " + b.name + " logged "
                + how.replaceAll(".*connected to \\S+ \\(([^)]*)\\).*", "$1") + "; duplicate links " + mesh.duplicates());
            assertTrue(how.contains("inbound"), "the returning designated dialer dialed: " + how);
        } finally {
            // back to the defaults, also when the scenario fails (scenario 7 restarts every node with them)
            b.unset("retry", "giveup.masternode").unset("retry", "probe");
            b.writeConfig();
        }
    }

    @Test
    @Order(9)
    void scenario7RestartOfEveryNodeReformsTheMeshWithSpreadAttempts() throws Exception {
        String s = "7. restart every node at once";
        for (LabNode n : nodes) {
            n.signal("TERM");
        }
        for (LabNode n : nodes) {
            n.stop();
            // From here on the loss and delay scenarios run with the default settings' ratio.
            LabMesh.heartbeat(n, LOSSY_INTERVAL, LOSSY_TIMEOUT);
        }
        long base = lab.syns();
        long start = System.nanoTime();
        for (LabNode n : nodes) {
            n.start();
        }
        TreeMap<Long, Long> timeline = new TreeMap<>();
        long[] readyAt = {-1, -1};
        Duration full = Poll.until(MESH.multipliedBy(2), () -> {
            timeline.put((System.nanoTime() - start) / 1_000_000, lab.syns() - base);
            return nodes.stream().allMatch(n -> ready(n, readyAt, start)) && mesh.fullMesh();
        }, () -> "no full mesh: " + mesh.pairs());
        long attempts = lab.syns() - base;
        long window = full.toMillis() - readyAt[0];
        long peak = 0;
        for (Map.Entry<Long, Long> e : timeline.entrySet()) {
            Map.Entry<Long, Long> back = timeline.floorEntry(e.getKey() - 1000);
            peak = Math.max(peak, e.getValue() - (back == null ? 0 : back.getValue()));
        }
        record(s, "full mesh " + full.toMillis() + " ms after the restart: the JVMs printed their ready lines "
            + readyAt[0] + "-" + readyAt[1] + " ms after it, the mesh stood " + (full.toMillis() - readyAt[1])
            + " ms after the last one; " + attempts + " connection attempts for 10 links: "
            + String.format(Locale.ROOT, "%.1f", attempts * 1000.0 / Math.max(1, window))
            + "/s on average from the first ready line, at most " + peak + " in any second; duplicate links "
            + mesh.duplicates());
        long ceiling = 2L * 10 * (full.toMillis() / (RETRY_INITIAL / 2) + 1);
        assertTrue(attempts <= ceiling, attempts + " attempts; backoff allows at most " + ceiling);
        mesh.assertNoDuplicatesFor(Duration.ofSeconds(1));
    }

    @Test
    @Order(10)
    void scenario4PacketLossCausesNoFalseDisconnectsBeyondTheBound() throws Exception {
        String s = "4. 30 % packet loss on one node's link (heartbeat " + LOSSY_INTERVAL + "/" + LOSSY_TIMEOUT + "/"
            + MISSED + ")";
        LabNode lossy = node(4);
        lab.rules("iifname " + Lab.port(4) + " numgen random mod 100 < 30 drop",
            "oifname " + Lab.port(4) + " numgen random mod 100 < 30 drop");
        Duration period = Duration.ofMillis(4 * LOSSY_BOUND);
        Poll.during(period, () -> nodes.stream().allMatch(LabNode::alive), () -> "a node died");
        lab.rules();
        List<String> drops = new ArrayList<>();
        int events = 0;
        for (LabNode o : others(lossy)) {
            List<String> seen = o.logLines("link to " + lossy.shortId(), " lost:");
            List<String> seenByLossy = lossy.logLines("link to " + o.shortId(), " lost:");
            seen.forEach(l -> drops.add(o.name + ": " + reason(l)));
            seenByLossy.forEach(l -> drops.add(lossy.name + ": " + reason(l)));
            // one loss of a link is usually logged on both of its sides
            events += Math.max(seen.size(), seenByLossy.size());
        }
        int falseDisconnects = mesh.falseDisconnects((a, b) -> a == lossy || b == lossy);
        Duration full = mesh.awaitFullMesh();
        record(s, period.toMillis() + " ms of loss: link losses on the lossy node's 4 links " + events + " (as logged: "
            + drops + "; detection bound " + LOSSY_BOUND + " ms); on the other links " + falseDisconnects
            + "; full mesh " + full.toMillis() + " ms after the loss ended; duplicate links " + mesh.duplicates());
        assertEquals(0, falseDisconnects, "links without loss stay up");
        for (String d : drops) {
            assertTrue(d.endsWith("TIMEOUT") || d.endsWith("REMOTE_CLOSED") || d.endsWith("IO_ERROR"), "" + drops);
        }
        // A link is dropped only when TCP stalls past the bound (4 losses in a row of one segment: ~1 %).
        assertTrue(events <= 4, "false disconnects beyond what the bound allows: " + drops);
    }

    @Test
    @Order(11)
    void scenario5DelayShowsInRttWithoutFalseFailures() throws Exception {
        String s = "5. 200 ms delay on one node's link (heartbeat " + LOSSY_INTERVAL + "/" + LOSSY_TIMEOUT + "/"
            + MISSED + ")";
        LabNode slow = node(1);
        List<LabNode> others = others(slow);
        Map<String, Double> before = new TreeMap<>();
        for (LabNode o : others) {
            before.put(o.name, rttLast(o, slow));
        }
        mesh.startDelay(slow, 200);
        long began = System.nanoTime();
        Map<String, Double> after = new TreeMap<>();
        for (LabNode o : others) {
            after.put(o.name, awaitDelayedRtt(o, slow));
        }
        // The delayed node's own pings run on its own schedule: the last one may have been answered just before the
        // delay began, while the others' pings already crossed it. Its next one, within an interval, does.
        double fromSlow = awaitDelayedRtt(slow, others.get(0));
        Poll.hold(Duration.ofNanos(Math.max(0, began + 2 * LOSSY_BOUND * 1_000_000 - System.nanoTime())));
        int failures = 0;
        for (LabNode n : nodes) {
            failures += n.logLines(" lost:").size();
        }
        mesh.stopDelay();
        record(s, "RTT to the delayed node before " + before + " ms, with the delay " + after + " ms; its own RTT to "
            + others.get(0).name + " " + fromSlow + " ms; false failures " + failures + " in "
            + (System.nanoTime() - began) / 1_000_000 + " ms; duplicate links " + mesh.duplicates());
        for (double rtt : after.values()) {
            assertTrue(rtt >= 195 && rtt < 200 + LOSSY_TIMEOUT + 1000, "RTT " + rtt + " ms");
        }
        assertTrue(fromSlow < 200 + LOSSY_TIMEOUT + 1000, "the delayed node's own RTT " + fromSlow + " ms");
        assertEquals(0, failures, "no false failures");
    }

    // ---------------------------------------------------------------------------------------------------

    private LabNode node(int host) {
        return mesh.node(host);
    }

    private List<LabNode> others(LabNode n) {
        return mesh.others(n);
    }

    /** Whether the node printed its ready line; records when the first and the last one did, in ms from start. */
    private static boolean ready(LabNode n, long[] readyAt, long start) {
        if (n.id() != null) {
            return true;
        }
        try {
            n.awaitReady(Duration.ZERO);
        } catch (AssertionError | IllegalStateException e) {
            return false;
        }
        readyAt[1] = (System.nanoTime() - start) / 1_000_000;
        if (readyAt[0] < 0) {
            readyAt[0] = readyAt[1];
        }
        return true;
    }

    /** The designated dialer by the topology's own rule (mesh.core's, loaded from the test class path). */
    private static boolean dials(LabNode self, LabNode peer) throws ReflectiveOperationException {
        Class<?> topology = Class.forName("io.meshnode.core.internal.topology.FullMeshTopology");
        Object t = topology.getConstructor().newInstance();
        return (Boolean) topology.getMethod("keepsOutbound", String.class, String.class).invoke(t, self.id(), peer.id());
    }

    /** For each peer, ms from {@code since} to the node's first "connected to" it (logged since its start). */
    private Map<String, Long> linkTimes(LabNode n, LocalDateTime since) {
        Map<String, Long> times = new TreeMap<>();
        for (LabNode p : others(n)) {
            n.logLines("connected to " + p.shortId()).stream().filter(l -> !LabNode.time(l).isBefore(since.minusSeconds(5)))
                .findFirst().ifPresent(l -> times.put(p.name, ms(since, l)));
        }
        return times;
    }

    /** @return {@code from}'s last RTT to {@code to} once it shows the 200 ms delay; fails after five intervals and 5 s */
    private static double awaitDelayedRtt(LabNode from, LabNode to) {
        double[] last = {-1};
        Poll.until(Duration.ofMillis(5 * LOSSY_INTERVAL + 5000), () -> {
            try {
                last[0] = rttLast(from, to);
                return last[0] >= 195;
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }, () -> from + " sees RTT " + last[0] + " ms to " + to);
        return last[0];
    }

    /** The "rtt last" a node's console shows for a peer, in ms. */
    private static double rttLast(LabNode n, LabNode peer) throws IOException {
        for (String line : n.command("mesh:peer " + peer.listen, Duration.ofSeconds(10))) {
            Matcher m = Pattern.compile("rtt last\\s+([0-9.]+) ms").matcher(line);
            if (m.find()) {
                return Double.parseDouble(m.group(1));
            }
        }
        return -1;
    }

    private void record(String scenario, String figure) {
        figures.record(scenario, figure);
    }
}
