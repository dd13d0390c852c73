package io.meshnode.itest.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Separate node processes over real TCP on their own loopback addresses (127.0.0.x), with
 * millisecond timings: heartbeat 100ms/50ms/3, backoff 100ms..400ms, dial grace 300ms.
 */
class MeshIT {
    private static final Duration READY = Duration.ofSeconds(90); // five JVMs starting at once on a loaded 2-core machine
    /** missed × interval + timeout with the test heartbeat. */
    private static final long DETECTION_BOUND_MS = 3 * 100 + 50;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path root;

    private final int port = ThreadLocalRandom.current().nextInt(20_000, 40_000);
    private final int subnet = ThreadLocalRandom.current().nextInt(2, 200);
    private final List<NodeProcess> nodes = new ArrayList<>();

    private NodeProcess node(int i) {
        NodeProcess n = new NodeProcess(root, "n" + i, "127." + subnet + ".0." + (10 + i) + ":" + port);
        nodes.add(n);
        return n;
    }

    private List<NodeProcess> mesh(int count) throws IOException {
        return mesh(count, n -> {});
    }

    private List<NodeProcess> mesh(int count, java.util.function.Consumer<NodeProcess> settings) throws IOException {
        List<NodeProcess> list = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            NodeProcess n = node(i);
            settings.accept(n);
            list.add(n);
        }
        for (NodeProcess n : list) {
            n.peers(list.toArray(new NodeProcess[0])).start();
        }
        for (NodeProcess n : list) {
            n.awaitReady(READY);
        }
        return list;
    }

    /** Every pair has exactly one TCP connection and every node has completed a handshake with every other. */
    private static void awaitFullMesh(List<NodeProcess> nodes) {
        Waits.until(Duration.ofSeconds(15), () -> Links.fullMeshWithoutDuplicates(nodes) && nodes.stream()
            .allMatch(n -> nodes.stream().allMatch(o -> o == n || !n.logLines("connected to " + o.shortId()).isEmpty())),
            () -> "links: " + Links.between(nodes));
    }

    @AfterEach
    void stopAll() throws InterruptedException {
        for (NodeProcess n : nodes) {
            n.close();
        }
    }

    @Test
    void fiveNodesFormAFullMeshOfTenLinksWithoutDuplicates() throws Exception {
        // Five JVMs starting at once on two cores, each doing four TLS handshakes with cold code, can stall a
        // node for a few hundred ms: this test is about formation, so its heartbeat tolerates that (bound
        // 3 × 200 + 200 = 800 ms); the detection tests keep the tight one.
        List<NodeProcess> five = mesh(5, n -> n.set("heartbeat", "interval", "200ms").set("heartbeat", "timeout", "200ms"));
        awaitFullMesh(five);
        Waits.during(Duration.ofSeconds(1), () -> Links.fullMeshWithoutDuplicates(five),
            () -> "the mesh changed: " + Links.between(five));
        assertEquals(10, Links.count(five));
        for (NodeProcess n : five) {
            assertTrue(n.logLines("lost:").isEmpty(), n + " lost a link: " + n.logLines("lost:"));
        }
    }

    @Test
    void aKilledNodeIsMarkedDownAndReconnectedWhenItReturns() throws Exception {
        List<NodeProcess> three = mesh(3);
        awaitFullMesh(three);
        NodeProcess victim = three.get(2);
        String victimId = victim.shortId();
        victim.kill();
        for (NodeProcess n : three.subList(0, 2)) {
            Waits.until(Duration.ofMillis(DETECTION_BOUND_MS * 3), () -> !n.logLines("link to " + victimId, "lost").isEmpty(),
                () -> n + " did not mark " + victimId + " down: " + n.log());
        }
        victim.start().awaitReady(READY);
        Waits.until(Duration.ofSeconds(10), () -> three.subList(0, 2).stream()
            .allMatch(n -> n.logLines("connected to " + victimId).size() >= 2), () -> "not reconnected");
        awaitFullMesh(three);
    }

    @Test
    void aSilentPeerIsCaughtByTheHeartbeat() throws Exception {
        List<NodeProcess> three = mesh(3);
        awaitFullMesh(three);
        NodeProcess silent = three.get(2);
        LocalDateTime stoppedAt = LocalDateTime.now();
        silent.signal("STOP"); // the kernel keeps ACKing: only the heartbeat can tell
        for (NodeProcess n : three.subList(0, 2)) {
            Waits.until(Duration.ofSeconds(5), () -> !n.logLines("link to " + silent.shortId(), "lost: TIMEOUT").isEmpty(),
                () -> n + " did not catch the silent peer: " + n.log());
            LocalDateTime caught = NodeProcess.time(n.logLines("link to " + silent.shortId(), "lost: TIMEOUT").get(0));
            long ms = Duration.between(stoppedAt, caught).toMillis();
            // The bound counts from the last frame, which arrived at most one interval before the stop.
            assertTrue(ms <= DETECTION_BOUND_MS + 250, n + " took " + ms + "ms, bound " + DETECTION_BOUND_MS + "ms");
        }
        silent.signal("CONT");
        Waits.until(Duration.ofSeconds(10), () -> Links.fullMeshWithoutDuplicates(three), () -> "" + Links.between(three));
    }

    @Test
    void simultaneousDialConvergesToOneLink() throws Exception {
        for (int round = 0; round < 3; round++) {
            NodeProcess a = node(2 * round);
            NodeProcess b = node(2 * round + 1);
            // No grace: both sides dial at once.
            a.set("mesh", "dial.grace", "0ms").peers(b);
            b.set("mesh", "dial.grace", "0ms").peers(a);
            a.start();
            b.start();
            a.awaitReady(READY);
            b.awaitReady(READY);
            List<NodeProcess> pair = List.of(a, b);
            Waits.until(Duration.ofSeconds(10), () -> Links.count(pair) == 1 && !a.logLines("connected to").isEmpty()
                && !b.logLines("connected to").isEmpty(), () -> "" + Links.between(pair));
            List<String> settled = Links.connections(pair);
            Waits.during(Duration.ofMillis(800), () -> Links.connections(pair).equals(settled),
                () -> "the link changed: " + settled + " -> " + Links.connections(pair));
            assertTrue(a.logLines("lost:").isEmpty() && b.logLines("lost:").isEmpty(),
                "a duplicate close is not a failure: " + a.logLines("lost:") + b.logLines("lost:"));
        }
    }

    @Test
    void aDesignatedDialerThatGaveUpDoesNotStrandThePair() throws Exception {
        NodeProcess dialer = node(0); // lower address: the designated dialer before first contact
        NodeProcess other = node(1);
        dialer.peers(other).set("retry", "giveup.masternode", "2").set("retry", "probe", "1h").start().awaitReady(READY);
        Waits.until(Duration.ofSeconds(10), () -> !dialer.logLines("giving up fast retries").isEmpty(), dialer::log);
        other.peers(dialer).start().awaitReady(READY);
        List<NodeProcess> pair = List.of(dialer, other);
        Duration took = Waits.until(Duration.ofSeconds(5), () -> Links.count(pair) == 1, () -> "" + Links.between(pair));
        assertTrue(took.toMillis() < 3_000, "linked after " + took);
        Waits.until(Duration.ofSeconds(2), () -> !dialer.logLines("connected to " + other.shortId()).isEmpty(), dialer::log);
    }

    @Test
    void aNodeFrozenAndResumedSendsOnePingNotAFlood() throws Exception {
        NodeProcess peer = node(0);
        NodeProcess frozen = node(1);
        // The peer barely pings and never gives up during the test; the frozen node pings every 50ms.
        peer.set("heartbeat", "interval", "10s").set("heartbeat", "timeout", "5s").peers(frozen).start();
        frozen.set("heartbeat", "interval", "50ms").set("heartbeat", "timeout", "40ms").set("heartbeat", "missed", "1000")
            .peers(peer).start();
        peer.awaitReady(READY);
        frozen.awaitReady(READY);
        List<NodeProcess> pair = List.of(peer, frozen);
        awaitFullMesh(pair);
        frozen.signal("STOP");
        long before = Links.bytesSent(frozen.listen.split(":")[0]);
        Waits.during(Duration.ofMillis(1500), () -> true, () -> ""); // 30 ping intervals pass while frozen
        frozen.signal("CONT");
        Waits.during(Duration.ofMillis(100), () -> true, () -> "");
        long sent = Links.bytesSent(frozen.listen.split(":")[0]) - before;
        // A ping is one TLS record of 43 bytes on the wire (21 bytes of frame, 22 of TLS). Catching up would
        // send ~30 at once; one ping, maybe two more on the normal 50ms schedule, and a pong or two are expected.
        assertTrue(sent <= 8 * 43, "the resumed node sent " + sent + " bytes in its first 100ms");
        assertEquals(1, Links.count(pair), "and the link survived");
    }

    /** Raw frames need plain TCP (tls = off); SecurityIT sends the same after TLS and a hello. */
    @Test
    void garbageAndOversizedFramesCloseOnlyThatConnectionOverPlainTcp() throws Exception {
        List<NodeProcess> two = List.of(node(0), node(1));
        for (NodeProcess n : two) {
            n.set("transport", "tls", "off").peers(two.toArray(new NodeProcess[0])).start();
        }
        for (NodeProcess n : two) {
            n.awaitReady(READY);
        }
        NodeProcess target = two.get(0);
        target.set("transport", "frame.max", "4096").writeConfig();
        awaitFullMesh(two);
        String[] hostPort = target.listen.split(":");
        InetSocketAddress address = new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1]));

        try (Socket s = new Socket()) {
            s.connect(address, 2_000);
            s.setSoTimeout(5_000);
            new DataOutputStream(s.getOutputStream()).writeInt(Integer.MAX_VALUE);
            assertClosedAfterAtMostOneFrame(s.getInputStream());
        }
        Waits.until(Duration.ofSeconds(5), () -> !target.logLines("WARN").isEmpty(), target::log);

        try (Socket s = new Socket()) {
            s.connect(address, 2_000);
            s.setSoTimeout(5_000);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.writeInt(5);
            out.write(new byte[] {99, 1, 2, 3, 4}); // unknown frame type before any hello
            out.flush();
            assertClosedAfterAtMostOneFrame(s.getInputStream());
        }
        Waits.until(Duration.ofSeconds(5), () -> !target.logLines("protocol error").isEmpty(), target::log);

        try (Socket s = new Socket()) {
            s.connect(address, 2_000);
            s.setSoTimeout(5_000);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            byte[] hello = {1, 0, 99}; // protocol version 99
            out.writeInt(hello.length);
            out.write(hello);
            out.flush();
            String refusal = readUntilRefusal(new DataInputStream(s.getInputStream()));
            assertTrue(refusal.contains("protocol version 99 is not supported"), refusal);
        }
        assertEquals(1, Links.count(two), "the mesh link is untouched");
        assertTrue(target.logLines("lost:").isEmpty() && two.get(1).logLines("lost:").isEmpty());
        assertTrue(target.alive());
    }

    @Test
    void anInvalidConfigurationValueIsReportedAndTheNodeKeepsRunning() throws Exception {
        List<NodeProcess> two = mesh(2);
        awaitFullMesh(two);
        NodeProcess n = two.get(0);
        n.set("heartbeat", "interval", "soon").writeConfig();
        Waits.until(Duration.ofSeconds(10),
            () -> !n.logLines("etc/meshnode.heartbeat.cfg: interval = 'soon' is invalid").isEmpty(), n::log);
        Waits.during(Duration.ofMillis(600), () -> Links.count(two) == 1, () -> "the link dropped");
        assertTrue(n.stderr().contains("interval = 'soon' is invalid"), "errors reach the console too");
    }

    /** Reads (and ignores) the node's hello, expects the connection to close. */
    private static void assertClosedAfterAtMostOneFrame(InputStream in) throws IOException {
        byte[] buf = new byte[8192];
        long total = 0;
        for (int r; (r = in.read(buf)) >= 0;) {
            total += r;
            assertTrue(total < 4096, "the node kept talking");
        }
    }

    private static String readUntilRefusal(DataInputStream in) throws IOException {
        while (true) {
            int len = in.readInt();
            byte[] frame = new byte[len];
            in.readFully(frame);
            if (frame[0] == 2) {
                int n = ((frame[1] & 0xFF) << 8) | (frame[2] & 0xFF);
                return new String(frame, 3, n, StandardCharsets.UTF_8);
            }
        }
    }
}
