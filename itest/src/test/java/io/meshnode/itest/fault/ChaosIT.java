package io.meshnode.itest.fault;

import static io.meshnode.itest.fault.LabMesh.BOUND;
import static io.meshnode.itest.fault.LabMesh.DETECTION_LIMIT;
import static io.meshnode.itest.fault.LabMesh.MESH;
import static io.meshnode.itest.fault.LabMesh.READY;
import static io.meshnode.itest.fault.LabMesh.RETRY_MAX;
import static io.meshnode.itest.fault.LabMesh.key;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Version;

import io.meshnode.itest.swap.Rebuilt;

/**
 * The chaos soak (issue 18): the fault suite's lab and five nodes (LabMesh), every node gossiping (the fault suite's
 * busy load), and a randomized schedule drawn from a seed: the fault kinds the lab implements — kill -9 and restart,
 * silent blackhole, partition, 30 % loss, delay, SIGSTOP/SIGCONT, restart of every node, a designated dialer that
 * returns after the other side parked it — plus {@code mesh.core} and {@code transport.netty} updates through
 * {@code deploy/}, live configuration edits and {@code mesh:reconnect} at a console. The schedule deals the twelve
 * kinds like a deck, shuffled anew each round, so every kind comes up once per round.
 *
 * <p>Invariants, checked while the schedule runs (a monitor thread polls the kernel and the logs every 200 ms; the
 * schedule checks after every step):
 * <ul>
 * <li>after every heal the full mesh is back within {@link #RELINK_LIMIT};
 * <li>never two connections for one pair for longer than the handshake timeout plus a second (kernel view, {@code ss}
 * in each namespace); episodes longer than a second are counted: the kernel cannot tell a connection still in its
 * handshake from a second link, and a cold JVM's TLS handshake on the loaded machine alone takes seconds (a pair with
 * a JVM started less than {@link #RESTART_LIMIT} ago is judged by the re-link limit instead);
 * <li>no node reports a peer connected while it has no connection to it, or while the peer is frozen or cut off,
 * for longer than the fault suite's detection limit;
 * <li>no peer stays parked or in backoff while it is reachable: after every step every node's {@code mesh:peers}
 * shows each peer {@code CONNECTED};
 * <li>file descriptors, threads and heap after a forced GC show no upward trend, first third of the run against
 * the last;
 * <li>no ERROR in any log.
 * </ul>
 * The seed is printed first; {@code -Dchaos.seed=N} replays the schedule (the same draws, timing aside) and
 * {@code -Dchaos.minutes=M} sets its length (default 1.5: the short soak {@code mvn -B verify} runs). Figures go to
 * {@code [chaos]} lines and {@code target/chaos-figures.txt}; FAULTS.md records them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChaosIT {
    /**
     * After a heal the mesh must stand again within the bound plus one backoff step (the detection of what the
     * fault left over, and the next attempt), plus 5 s for the loaded two-core machine: under the gossip load a
     * restarted JVM's first TLS handshakes alone took up to 1.8 s in the fault suite (FAULTS.md).
     */
    static final long RELINK_LIMIT = BOUND + RETRY_MAX + 5000;
    /**
     * The same after a step that starts JVMs (kill and restart, restart of every node, the returning dialer), from the
     * last ready line, with 15 s for the machine: cold JVMs compile while they make their first handshakes, and the
     * fault suite's restart of every node saw its mesh stand 7.6 s after the last ready line at a load average of 17.
     */
    static final long RESTART_LIMIT = BOUND + RETRY_MAX + 15000;
    /** Two connections for one pair: the duplicate is resolved at the handshake (see checkDuplicates). */
    static final long DUPLICATE_LIMIT = 1000;
    /** The lab's transport handshake.timeout: how long a connection may stay in its handshake. */
    static final long HANDSHAKE_TIMEOUT = 3000;
    /** How long a node may still report a peer connected that it has no connection to, or that is frozen or cut off. */
    static final long STALE_LIMIT = DETECTION_LIMIT;
    /** The delay fault: within the heartbeat's 100 ms timeout, so links may stay up; it is the schedule's slow link. */
    static final int DELAY_MS = 50;
    private static final long SAMPLE_NANOS = 5_000_000_000L;
    /** A console's answer: a JVM started seconds ago on the loaded machine took 20 s for its first command. */
    private static final Duration CONSOLE = Duration.ofSeconds(60);
    /** A process is sampled once it has run this long: a JVM's first seconds (JIT, lazy pools) are no trend. */
    private static final long WARM_NANOS = 15_000_000_000L;
    /** A Serial generation in GC.heap_info: "def new generation"/"tenured generation" to Java 21, "DefNew"/"Tenured" since. */
    private static final Pattern USED = Pattern.compile("(?:generation|DefNew|Tenured)\\s+total \\d+K, used (\\d+)K");

    /** What a step does. */
    enum Kind {
        KILL, BLACKHOLE, PARTITION, LOSS, DELAY, FREEZE, RESTART_ALL, RETURNING_DIALER, MESH_CORE_UPDATE,
        TRANSPORT_UPDATE, CONFIG_EDIT, RECONNECT
    }

    /** What the running step does to the links, for the monitor: the pairs it cuts off silently (and since when). */
    private record Cut(BiPredicate<LabNode, LabNode> pairs, long since) {
        static final Cut NONE = new Cut((a, b) -> false, 0);
    }

    /** One resource sample of a node's JVM. */
    private record Sample(long at, String node, long pid, int fds, int threads, long heap) {}

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    static Path homes;

    private final long seed = Long.getLong("chaos.seed", new SecureRandom().nextLong());
    private final double minutes = Double.parseDouble(System.getProperty("chaos.minutes", "1.5"));
    private final Random random = new Random(seed);
    private LabMesh mesh;
    private List<LabNode> nodes;
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final Set<String> reported = ConcurrentHashMap.newKeySet();
    private volatile Cut cut = Cut.NONE;
    private volatile boolean monitoring;
    private Thread monitor;
    private final List<Sample> samples = new ArrayList<>();
    /** When each node's JVM printed its ready line (System.nanoTime()); read by the monitor. */
    private final Map<LabNode, Long> startedAt = new ConcurrentHashMap<>();
    private final Map<LabNode, Integer> errorsSeen = new HashMap<>();
    private final Map<Kind, List<Long>> relinks = new EnumMap<>(Kind.class);
    private final Figures figures = new Figures("chaos", "chaos-figures.txt");
    private long lastSample;
    /** The re-link limit of the running step: {@link #RESTART_LIMIT} once it started a JVM. */
    private long limit;
    private int swaps;
    /** The gossip payload every node runs with: the lab's (1 KiB) until an edit changes it. */
    private int gossipBytes = LabMesh.gossipBytes();
    private int untouchedLosses;
    /** Episodes of two connections for one pair: the longest (ms), and how many lasted longer than a second. */
    private volatile long longestDuplicate;
    private volatile int duplicatesOverASecond;
    /** The pairs the running step may close links of (its victim's, the cut ones, every one for a restart of all). */
    private BiPredicate<LabNode, LabNode> touched = (a, b) -> false;

    @BeforeAll
    void start() throws Exception {
        System.out.println("[chaos] seed " + seed + " (replay: -Dchaos.seed=" + seed + "), " + minutes + " minutes");
        mesh = LabMesh.open("CHAOS SOAK", homes);
        nodes = mesh.nodes;
        mesh.awaitFullMesh();
        mesh.gossip(true);
        long now = System.nanoTime();
        nodes.forEach(n -> startedAt.put(n, now));
    }

    @AfterAll
    void stop() throws Exception {
        monitoring = false;
        if (monitor != null) {
            monitor.join(5000);
        }
        if (mesh != null) {
            mesh.close();
        }
        figures.write();
    }

    @Test
    void theMeshKeepsItsInvariantsThroughASeededScheduleOfFaultsUpdatesAndEdits() throws Exception {
        nodes.forEach(n -> errorsSeen.put(n, errors(n).size()));
        Map<LabNode, Long> connectedBefore = new HashMap<>();
        nodes.forEach(n -> connectedBefore.put(n, connects(n)));
        monitoring = true;
        monitor = new Thread(this::watch, "chaos-monitor");
        monitor.setDaemon(true);
        monitor.start();

        long began = System.nanoTime();
        long end = began + (long) (minutes * 60e9);
        sample(true);
        List<Kind> deck = new ArrayList<>();
        Map<Kind, Integer> done = new EnumMap<>(Kind.class);
        int step = 0;
        while (System.nanoTime() < end) {
            if (deck.isEmpty()) {
                deck.addAll(List.of(Kind.values()));
                Collections.shuffle(deck, random);
            }
            Kind kind = deck.remove(0);
            step++;
            nodes.forEach(LabNode::markLog);
            String what = "step " + step + " " + kind;
            long healed = run(kind, what);
            long relink = awaitMeshAfter(healed, what);
            relinks.computeIfAbsent(kind, k -> new ArrayList<>()).add(relink);
            done.merge(kind, 1, Integer::sum);
            checkStates(what);
            checkErrors(what);
            countUntouchedLosses();
            sample(false);
            if (!violations.isEmpty()) {
                break;
            }
        }
        long ran = System.nanoTime() - began;
        monitoring = false;
        monitor.join(5000);

        long reformed = nodes.stream().mapToLong(n -> connects(n) - connectedBefore.get(n)).sum();
        long worst = relinks.values().stream().flatMap(List::stream).mapToLong(Long::longValue).max().orElse(0);
        Map<Kind, String> worstByKind = new EnumMap<>(Kind.class);
        relinks.forEach((k, v) -> worstByKind.put(k, v.size() + "× worst " + Collections.max(v) + " ms"));
        record("seed " + seed + "; " + step + " steps in " + ran / 1_000_000_000 + " s (" + minutes + " minutes asked); "
            + done.values().stream().mapToInt(Integer::intValue).sum() + " faults, updates and edits survived: " + done);
        record("links re-formed (\"connected to\" lines in all logs): " + reformed + "; " + swaps
            + " mesh.core/transport swaps; worst re-link after a heal " + worst + " ms (limit " + RELINK_LIMIT
            + " ms, " + RESTART_LIMIT + " ms after a start of JVMs); by kind: " + worstByKind);
        record("two connections for one pair (kernel): longest episode " + longestDuplicate + " ms, episodes longer than "
            + DUPLICATE_LIMIT + " ms " + duplicatesOverASecond + " (limit " + (HANDSHAKE_TIMEOUT + DUPLICATE_LIMIT) + " ms)");
        record("links lost on pairs the step did not touch: " + untouchedLosses + " (recorded, not asserted: loss and a "
            + "restart of every node make the two shared cores the fault)");
        record("gossip totals: " + nodes.stream().map(n -> n.name + " [" + total(n) + "]").toList());
        String trend = trend();
        record("resources, first third → last third of the run (mean per node, process samples after "
            + WARM_NANOS / 1_000_000_000 + " s of uptime): " + trend);
        record("violations: " + (violations.isEmpty() ? "none" : violations));
        assertTrue(violations.isEmpty(), "seed " + seed + " (replay with -Dchaos.seed=" + seed + "): " + violations);
    }

    // ------------------------------------------------------------------------------------------------ the steps

    /** Runs one step; returns when it healed (System.nanoTime()): the full mesh is due within the limit from there. */
    private long run(Kind kind, String what) throws Exception {
        touched = (a, b) -> false;
        limit = RELINK_LIMIT;
        switch (kind) {
            case KILL -> {
                LabNode victim = pick();
                victim.kill();
                hold(300, 3000);
                return restart(List.of(victim));
            }
            case BLACKHOLE -> {
                LabNode victim = pick();
                cut = new Cut((a, b) -> a == victim || b == victim, System.nanoTime());
                mesh.lab.rules("iifname " + Lab.port(victim.host) + " drop", "oifname " + Lab.port(victim.host) + " drop");
                hold(300, 3000);
                return heal();
            }
            case PARTITION -> {
                List<LabNode> shuffled = new ArrayList<>(nodes);
                Collections.shuffle(shuffled, random);
                List<LabNode> left = shuffled.subList(0, 1 + random.nextInt(2));
                touched = (a, b) -> left.contains(a) != left.contains(b);
                cut = new Cut(touched, System.nanoTime());
                String l = ports(left);
                String r = ports(shuffled.subList(left.size(), shuffled.size()));
                mesh.lab.rules("iifname " + l + " oifname " + r + " drop", "iifname " + r + " oifname " + l + " drop");
                hold(300, 3000);
                return heal();
            }
            case LOSS -> {
                LabNode victim = pick();
                mesh.lab.rules("iifname " + Lab.port(victim.host) + " numgen random mod 100 < 30 drop",
                    "oifname " + Lab.port(victim.host) + " numgen random mod 100 < 30 drop");
                hold(1000, 4000);
                return heal();
            }
            case DELAY -> {
                LabNode victim = pick();
                mesh.startDelay(victim, DELAY_MS);
                hold(1000, 3000);
                return heal();
            }
            case FREEZE -> {
                LabNode victim = pick();
                victim.signal("STOP");
                cut = new Cut((a, b) -> a == victim || b == victim, System.nanoTime());
                hold(300, 3000);
                cut = Cut.NONE;
                victim.signal("CONT");
                return System.nanoTime();
            }
            case RESTART_ALL -> {
                touched = (a, b) -> true;
                for (LabNode n : nodes) {
                    n.signal("TERM");
                }
                for (LabNode n : nodes) {
                    n.stop();
                }
                return restart(nodes);
            }
            case RETURNING_DIALER -> {
                return returningDialer(what);
            }
            case MESH_CORE_UPDATE -> {
                return update(pick(), "mesh.core", what);
            }
            case TRANSPORT_UPDATE -> {
                return update(pick(), "transport.netty", what);
            }
            case CONFIG_EDIT -> {
                return edit(what); // touches no link: a link lost meanwhile is counted as untouched
            }
            case RECONNECT -> {
                LabNode at = pick();
                LabNode peer = mesh.others(at).get(random.nextInt(4));
                boolean all = random.nextInt(3) == 0;
                String target = all ? "--all" : peer.listen;
                if (!all) {
                    touched = (a, b) -> (a == at && b == peer) || (a == peer && b == at);
                }
                List<String> out = at.command("mesh:reconnect " + target, CONSOLE);
                step(what + ": " + at.name + " mesh:reconnect " + target + " → " + out.size() + " lines");
                return System.nanoTime();
            }
            default -> throw new IllegalStateException(kind.name());
        }
    }

    /** A node drawn from the seeded random: the step's victim, whose pairs it touches. */
    private LabNode pick() {
        LabNode victim = nodes.get(random.nextInt(nodes.size()));
        touched = (a, b) -> a == victim || b == victim;
        return victim;
    }

    private static String ports(List<LabNode> group) {
        return "{ " + String.join(", ", group.stream().map(n -> Lab.port(n.host)).toList()) + " }";
    }

    /** Holds the fault for a drawn time between {@code min} and {@code max} ms. */
    private void hold(int min, int max) {
        Poll.hold(Duration.ofMillis(min + random.nextInt(max - min + 1)));
    }

    private long heal() throws InterruptedException {
        mesh.lab.rules();
        mesh.stopDelay();
        cut = Cut.NONE;
        return System.nanoTime();
    }

    /** Starts the nodes again and waits for their ready lines: the heal is the last ready line. */
    private long restart(List<LabNode> which) throws IOException {
        limit = RESTART_LIMIT;
        for (LabNode n : which) {
            // A newer mesh.core left in deploy/ stays there across the start: the node must run it, and only it
            // (FAULTS.md, "Chaos soak", bug 2: a node started so once ran two meshes side by side). deploy/ is read
            // from the last start level, once the shipped bundles run, so such a node swaps its mesh right after
            // its start: one more re-link on top of the start's.
            if (Files.exists(n.home.resolve("deploy").resolve("mesh.core-chaos.jar"))) {
                limit = RESTART_LIMIT + RELINK_LIMIT;
            }
            n.start();
        }
        for (LabNode n : which) {
            n.awaitReady(READY);
            startedAt.put(n, System.nanoTime());
        }
        return System.nanoTime();
    }

    /**
     * A designated dialer killed until the other side parks it (give-up 3, probe 1 h: a configuration edit applied
     * live), then started again: it must dial, since the parked side would not probe for an hour.
     */
    private long returningDialer(String what) throws Exception {
        List<LabNode[]> pairs = new ArrayList<>();
        for (LabNode a : nodes) {
            for (LabNode b : nodes) {
                if (a != b && dials(a, b)) {
                    pairs.add(new LabNode[] {a, b});
                }
            }
        }
        LabNode[] pair = pairs.get(random.nextInt(pairs.size()));
        LabNode a = pair[0];
        LabNode b = pair[1];
        touched = (x, y) -> x == a || y == a;
        b.set("retry", "giveup.masternode", "3").set("retry", "probe", "1h").writeConfig("retry");
        awaitPersisted(b, "retry", "giveup.masternode=\"3\"", true);
        try {
            String parked = "giving up fast retries of " + a.shortId();
            int before = b.logLines(parked).size();
            a.kill();
            Poll.until(Duration.ofSeconds(30), () -> b.logLines(parked).size() > before,
                () -> b + " did not park " + a + ": " + b.logLines(a.shortId()));
            long healed = restart(List.of(a));
            step(what + ": " + a.name + " dials " + b.name + "; " + b.name + " parked it");
            return healed;
        } finally {
            b.unset("retry", "giveup.masternode").unset("retry", "probe").writeConfig("retry");
            awaitPersisted(b, "retry", "giveup.masternode", false);
        }
    }

    private static void awaitPersisted(LabNode n, String pid, String text, boolean present) {
        Poll.until(Duration.ofSeconds(20), () -> n.persisted(pid).contains(text) == present,
            () -> n + ": " + pid + " " + (present ? "lacks " : "still has ") + text + ": " + n.persisted(pid));
    }

    /**
     * A newer build of a platform bundle dropped into the node's deploy/ (mesh.core carries Meshnode-Upgrade:
     * stop-first), or, when one is there, removed again, which brings the original back. Healed when the node logs the
     * swap.
     */
    private long update(LabNode n, String bundle, String what) throws Exception {
        Path dropped = n.home.resolve("deploy").resolve(bundle + "-chaos.jar");
        swaps++;
        if (Files.exists(dropped)) {
            String line = bundle + " ";
            int before = n.logLines(line, "removed from deploy/: starting").size();
            Files.delete(dropped);
            Poll.until(Duration.ofSeconds(30), () -> n.logLines(line, "removed from deploy/: starting").size() > before,
                () -> n + " did not bring the original " + bundle + " back: " + n.logLines("deploy"));
            step(what + ": " + n.name + " " + bundle + " removed from deploy/, the original back");
        } else {
            Path original = builtJar(bundle);
            Version version = Rebuilt.next(Rebuilt.version(original), "chaos" + swaps);
            String line = "deploy/: " + bundle + " " + version + " replaces";
            int before = n.logLines(line).size();
            Path part = dropped.resolveSibling(dropped.getFileName() + ".part");
            try (InputStream in = Rebuilt.withVersion(original, version)) {
                Files.copy(in, part, StandardCopyOption.REPLACE_EXISTING);
            }
            Files.move(part, dropped, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Poll.until(Duration.ofSeconds(30), () -> n.logLines(line).size() > before,
                () -> n + " did not take " + bundle + " " + version + ": " + n.logLines("deploy"));
            step(what + ": " + n.name + " " + bundle + " " + version + " dropped into deploy/");
        }
        return System.nanoTime();
    }

    /** The jar of a module of this build, beside the node jar's module. */
    private static Path builtJar(String module) throws IOException {
        Path root = Path.of(System.getProperty("meshnode.jar", "../node/target/meshnode.jar")).toAbsolutePath().getParent()
            .getParent().getParent();
        Path target = root.resolve(module).resolve("target");
        try (Stream<Path> jars = Files.list(target)) {
            return jars.filter(p -> p.getFileName().toString().matches(Pattern.quote(module) + "-[0-9].*\\.jar")
                && !p.toString().endsWith("-sources.jar") && !p.toString().endsWith("-javadoc.jar")).findFirst()
                .orElseThrow(() -> new IllegalStateException("no " + module + " jar in " + target + " (build it first)"));
        }
    }

    /**
     * A live configuration edit: the gossip payload of every node (512 B to 2 KiB), or one node's retry ceiling (both within what
     * the limits assume). No link may close for it.
     */
    private long edit(String what) throws IOException {
        if (random.nextBoolean()) {
            // Around the lab's 1 KiB: 4 KiB every 10 ms already starves the two shared cores (FAULTS.md, busy links).
            // Another size than the one in force: writing the same value changes nothing, and nothing would be applied.
            List<Integer> others = new ArrayList<>(List.of(512, 1024, 2048));
            others.remove(Integer.valueOf(gossipBytes));
            int bytes = others.get(random.nextInt(others.size()));
            gossipBytes = bytes;
            String size = Integer.toString(bytes);
            String said = "gossip configured: sending " + bytes + " bytes";
            Map<LabNode, Integer> before = new HashMap<>();
            for (LabNode n : nodes) {
                before.put(n, n.logLines(said).size());
                n.set("gossip", "size", size).writeConfig("gossip");
            }
            for (LabNode n : nodes) {
                Poll.until(Duration.ofSeconds(20), () -> n.logLines(said).size() > before.get(n),
                    () -> n + " did not apply gossip size " + size + ": " + n.logLines("gossip configured"));
            }
            step(what + ": gossip size " + size + " on every node");
        } else {
            LabNode n = nodes.get(random.nextInt(nodes.size()));
            String max = List.of("300ms", "400ms").get(random.nextInt(2));
            n.set("retry", "max", max).writeConfig("retry");
            awaitPersisted(n, "retry", "max=\"" + max + "\"", true);
            step(what + ": " + n.name + " retry max " + max);
        }
        return System.nanoTime();
    }

    /** The designated dialer by the topology's own rule (mesh.core's, loaded from the test class path). */
    static boolean dials(LabNode self, LabNode peer) throws ReflectiveOperationException {
        Class<?> topology = Class.forName("io.meshnode.core.internal.topology.FullMeshTopology");
        Object t = topology.getConstructor().newInstance();
        return (Boolean) topology.getMethod("keepsOutbound", String.class, String.class).invoke(t, self.id(), peer.id());
    }

    // ------------------------------------------------------------------------------------ checks after a step

    /** Waits for the full mesh; a violation when it took longer than the limit from the heal. @return ms it took */
    private long awaitMeshAfter(long healed, String what) {
        long deadline = healed + limit * 1_000_000;
        while (!mesh.fullMesh()) {
            if (System.nanoTime() - deadline > 0) {
                violation("relink " + what, what + ": no full mesh " + limit + " ms after the heal: kernel " + mesh.pairs()
                    + "; views " + nodes.stream().map(n -> n.name + n.view()).toList());
                mesh.awaitFullMesh(MESH);
                break;
            }
            LockSupport.parkNanos(Poll.INTERVAL_NANOS);
        }
        return (System.nanoTime() - healed) / 1_000_000;
    }

    /**
     * Every node's console shows every peer CONNECTED: none left parked or in backoff while reachable. A console that
     * does not answer in time (its terminal being set up anew by a JVM that has just started, on a loaded machine) is
     * not a node fault: the node's log then says which state each peer reached last.
     */
    private void checkStates(String what) throws IOException {
        for (LabNode n : nodes) {
            List<String> table;
            try {
                table = n.command("mesh:peers", CONSOLE);
            } catch (AssertionError noAnswer) {
                String m = String.valueOf(noAnswer.getMessage());
                System.out.println("[chaos] " + what + " " + n.name + ": the console did not answer, the log is read instead ("
                    + m.substring(Math.max(0, m.length() - 300)).replace('\n', ' ') + ")");
                table = loggedStates(n);
            }
            for (LabNode p : mesh.others(n)) {
                String row = table.stream().filter(l -> l.contains(p.listen)).findFirst().orElse("(no row)");
                if (!row.matches(".*\\sCONNECTED\\s.*")) {
                    // the console may show the moment a link is replaced (a duplicate resolved): look again
                    Poll.until(Duration.ofMillis(RELINK_LIMIT), () -> mesh.fullMesh(), () -> "no full mesh");
                    List<String> again;
                    try {
                        again = n.command("mesh:peers", CONSOLE);
                    } catch (AssertionError noAnswer) {
                        again = loggedStates(n);
                    }
                    String second = again.stream().filter(l -> l.contains(p.listen)).findFirst().orElse("(no row)");
                    if (!second.matches(".*\\sCONNECTED\\s.*")) {
                        violation("state " + what + n.name + p.name, what + ": " + n.name + " shows " + p.name + " not CONNECTED while reachable: "
                            + row + " / " + second);
                    }
                }
            }
        }
    }

    /**
     * @return for each peer of {@code n}, the last state its log gave it, as a row like the console's
     *     ({@code "<listen> CONNECTED "}): from lines {@code peer <id>@<listen> A → B: …}
     */
    private List<String> loggedStates(LabNode n) {
        List<String> log = n.readLog();
        List<String> rows = new java.util.ArrayList<>();
        for (LabNode p : mesh.others(n)) {
            String state = "(none)";
            for (String line : log) {
                int at = line.indexOf(p.listen + " ");
                int arrow = line.indexOf(" → ", Math.max(at, 0));
                if (at >= 0 && line.contains("[mesh.core] peer ") && arrow > at) {
                    int colon = line.indexOf(':', arrow);
                    state = line.substring(arrow + 3, colon < 0 ? line.length() : colon).trim();
                }
            }
            rows.add(p.listen + " " + state + " ");
        }
        return rows;
    }

    /** "connected to" lines in the node's whole log. */
    private static long connects(LabNode n) {
        return n.readLog().stream().filter(l -> l.contains("connected to ")).count();
    }

    private static List<String> errors(LabNode n) {
        return n.readLog().stream().filter(l -> l.contains(" ERROR [")).toList();
    }

    private void checkErrors(String what) {
        for (LabNode n : nodes) {
            List<String> all = errors(n);
            int seen = errorsSeen.getOrDefault(n, 0);
            if (all.size() > seen) {
                violation("error " + what + n.name, what + ": " + n.name + " logged " + all.subList(seen, all.size()));
                errorsSeen.put(n, all.size());
            }
        }
    }

    /** Links lost or closed since the step began between pairs the step did not touch (counted, not asserted). */
    private void countUntouchedLosses() {
        BiPredicate<LabNode, LabNode> t = touched;
        for (LabNode n : nodes) {
            for (LabNode p : mesh.others(n)) {
                if (!t.test(n, p)) {
                    untouchedLosses += n.logLines("link to " + p.shortId(), " lost:").size();
                }
            }
        }
    }

    // -------------------------------------------------------------------------------- the continuous monitor

    /** Polls the kernel and the nodes' logs every 200 ms while the schedule runs. */
    private void watch() {
        Map<String, Long> duplicateSince = new HashMap<>();
        Map<String, Long> staleSince = new HashMap<>();
        while (monitoring) {
            try {
                long now = System.nanoTime();
                Map<LabNode, List<String[]>> established = mesh.established();
                Map<LabNode, Map<String, Boolean>> views = new HashMap<>();
                for (LabNode n : nodes) {
                    views.put(n, n.view());
                }
                checkDuplicates(now, established, duplicateSince);
                checkStale(now, established, views, staleSince);
            } catch (RuntimeException | AssertionError e) {
                // a namespace command raced a restart: the next round looks again
            }
            LockSupport.parkNanos(200_000_000L);
        }
    }

    /**
     * Two connections for one pair: both sides dial at a restart or a heal, and the hellos decide which connection
     * stays. The kernel cannot tell a connection still in its handshake from a second link, and a cold JVM's TLS
     * handshake on the loaded machine alone takes seconds: two connections are a violation once they outlive the
     * handshake timeout by a second; every episode longer than a second is counted and the longest recorded.
     */
    private void checkDuplicates(long now, Map<LabNode, List<String[]>> established, Map<String, Long> duplicateSince) {
        Map<String, Integer> pairs = mesh.pairs(established);
        for (String k : new ArrayList<>(duplicateSince.keySet())) {
            if (pairs.getOrDefault(k, 0) < 2) {
                long lasted = (now - duplicateSince.remove(k)) / 1_000_000;
                longestDuplicate = Math.max(longestDuplicate, lasted);
                if (lasted > DUPLICATE_LIMIT) {
                    duplicatesOverASecond++;
                }
            }
        }
        for (Map.Entry<String, Integer> e : pairs.entrySet()) {
            if (e.getValue() < 2) {
                continue;
            }
            String k = e.getKey();
            long since = duplicateSince.computeIfAbsent(k, x -> now);
            if (young(k, now)) {
                continue; // judged by the re-link limit after a start: the mesh must then stand with one connection a pair
            }
            if (now - since > (HANDSHAKE_TIMEOUT + DUPLICATE_LIMIT) * 1_000_000) {
                violation("duplicate " + k + " " + since, e.getValue() + " connections for " + k + " for more than "
                    + (HANDSHAKE_TIMEOUT + DUPLICATE_LIMIT) + " ms (since " + java.time.LocalTime.now().minusNanos(now - since)
                    + "): " + mesh.connections(established, (x, y) -> key(x, y).equals(k)));
            }
        }
    }

    /**
     * Whether a node of the pair is a JVM that has not printed its ready line yet or did so less than
     * {@link #RESTART_LIMIT} ago: a cold JVM on the loaded machine takes longer than the handshake timeout for its
     * first TLS handshakes (both sides' dials then stay in their handshakes together for seconds).
     */
    private boolean young(String pair, long now) {
        for (LabNode n : nodes) {
            if (pair.startsWith(n.name + "-") || pair.endsWith("-" + n.name)) {
                Long ready = startedAt.get(n);
                if (n.id() == null || ready == null || now - ready < RESTART_LIMIT * 1_000_000) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean up(Map<LabNode, Map<String, Boolean>> views, LabNode n, LabNode p) {
        String id = p.id();
        return id != null && views.get(n).getOrDefault(id.substring(0, 12), false);
    }

    /**
     * A node that reports a peer connected must have a connection to it, and the peer must not be frozen or cut off:
     * each for no longer than the detection limit.
     */
    private void checkStale(long now, Map<LabNode, List<String[]>> established, Map<LabNode, Map<String, Boolean>> views,
        Map<String, Long> staleSince) {
        Cut c = cut;
        for (LabNode n : nodes) {
            if (!n.alive() || n.frozen() || n.id() == null) {
                staleSince.keySet().removeIf(k -> k.startsWith(n.name + ">"));
                continue;
            }
            Set<String> remotes = new java.util.HashSet<>();
            established.get(n).forEach(conn -> remotes.add(conn[1].substring(0, conn[1].lastIndexOf(':'))));
            for (LabNode p : mesh.others(n)) {
                String k = n.name + ">" + p.name;
                if (!up(views, n, p)) {
                    staleSince.remove(k);
                    continue;
                }
                if (!remotes.contains(p.address)) {
                    long since = staleSince.computeIfAbsent(k, x -> now);
                    if (now - since > STALE_LIMIT * 1_000_000) {
                        violation("stale " + k + " " + since, n.name + " reports " + p.name + " connected with no "
                            + "connection to it for more than " + STALE_LIMIT + " ms");
                    }
                } else {
                    staleSince.remove(k);
                }
                if (c.pairs().test(n, p) && now - c.since() > STALE_LIMIT * 1_000_000) {
                    violation("cut " + k + " " + c.since(), n.name + " reports " + p.name + " connected "
                        + (now - c.since()) / 1_000_000 + " ms after it was frozen or cut off (limit " + STALE_LIMIT + " ms)");
                }
            }
        }
    }

    private void violation(String key, String text) {
        if (reported.add(key)) {
            String line = "[chaos] VIOLATION " + text;
            System.out.println(line);
            violations.add(text);
        }
    }

    // --------------------------------------------------------------------------------------------- resources

    /** Samples every node's fds, threads and heap after a forced GC, every 5 s (or now). */
    private void sample(boolean now) {
        long t = System.nanoTime();
        if (!now && t - lastSample < SAMPLE_NANOS) {
            return;
        }
        lastSample = t;
        for (LabNode n : nodes) {
            long pid = n.pid();
            if (pid <= 0 || !n.alive() || n.frozen() || t - startedAt.getOrDefault(n, t) < WARM_NANOS) {
                continue;
            }
            try {
                int fds;
                try (Stream<Path> s = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
                    fds = (int) s.count();
                }
                int threads = Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")).stream()
                    .filter(l -> l.startsWith("Threads:")).mapToInt(l -> Integer.parseInt(l.replaceAll("\\D", ""))).findFirst()
                    .orElse(-1);
                Jcmd.run(pid, "GC.run");
                String info = Jcmd.run(pid, "GC.heap_info");
                Matcher m = USED.matcher(info);
                long heap = 0;
                boolean found = false;
                while (m.find()) {
                    heap += Long.parseLong(m.group(1)) * 1024;
                    found = true;
                }
                if (!found) {
                    throw new IllegalStateException("no heap figures in GC.heap_info: " + info);
                }
                samples.add(new Sample(t, n.name, pid, fds, threads, heap));
            } catch (IOException | RuntimeException e) {
                System.out.println("[chaos] no sample of " + n + ": " + e);
            }
        }
    }

    /**
     * Per node, the means of the first and the last third of the run's samples; a violation when fds grow by more
     * than 16, threads by more than 8, or the heap after a GC by more than half plus 8 MiB.
     */
    private String trend() {
        if (samples.isEmpty()) {
            violation("trend", "no resource samples");
            return "no samples";
        }
        long first = samples.get(0).at();
        long span = samples.get(samples.size() - 1).at() - first;
        Map<String, String> out = new TreeMap<>();
        for (LabNode n : nodes) {
            List<Sample> early = samples.stream().filter(s -> s.node().equals(n.name) && s.at() - first <= span / 3).toList();
            List<Sample> late = samples.stream().filter(s -> s.node().equals(n.name) && s.at() - first >= span * 2 / 3).toList();
            if (early.isEmpty() || late.isEmpty()) {
                out.put(n.name, "too few samples (" + early.size() + " early, " + late.size() + " late)");
                continue;
            }
            double fds0 = early.stream().mapToInt(Sample::fds).average().orElse(0);
            double fds1 = late.stream().mapToInt(Sample::fds).average().orElse(0);
            double th0 = early.stream().mapToInt(Sample::threads).average().orElse(0);
            double th1 = late.stream().mapToInt(Sample::threads).average().orElse(0);
            double heap0 = early.stream().mapToLong(Sample::heap).average().orElse(0) / 1048576;
            double heap1 = late.stream().mapToLong(Sample::heap).average().orElse(0) / 1048576;
            out.put(n.name, String.format(Locale.ROOT, "fds %.0f→%.0f threads %.0f→%.0f heap %.1f→%.1f MiB (%d/%d samples)",
                fds0, fds1, th0, th1, heap0, heap1, early.size(), late.size()));
            if (fds1 > fds0 + 16 || th1 > th0 + 8 || heap1 > heap0 * 1.5 + 8) {
                violation("trend " + n.name, n.name + " resources grew: " + out.get(n.name));
            }
        }
        long evaluated = out.values().stream().filter(v -> !v.startsWith("too few")).count();
        if (evaluated == 0) {
            violation("trend", "the run was too short to compare the first third of its resource samples with the last: "
                + out);
        }
        return out.toString();
    }

    // ------------------------------------------------------------------------------------------------ figures

    private static String total(LabNode n) {
        List<String> lines = n.logLines("gossip '");
        if (lines.isEmpty()) {
            return "no summary";
        }
        String last = lines.get(lines.size() - 1);
        return last.substring(last.indexOf("total ") + 6);
    }

    private void step(String text) {
        System.out.println("[chaos] " + text);
    }

    private void record(String figure) {
        figures.record("", figure);
    }
}
