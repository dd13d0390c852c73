package io.meshnode.core.internal.engine;

import io.meshnode.core.internal.config.MeshConfig;
import io.meshnode.core.internal.config.MeshSettings;
import io.meshnode.core.internal.topology.FullMeshTopology;
import io.meshnode.core.internal.wire.Protocol;

import static io.meshnode.api.testing.Configs.map;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.meshnode.api.config.ConfigValues;
import io.meshnode.api.health.HealthMonitor;
import io.meshnode.api.health.LinkObservation;
import io.meshnode.health.internal.HeartbeatMonitor;
import io.meshnode.health.phi.internal.PhiMonitor;
import io.meshnode.api.mesh.PeerDTO;
import io.meshnode.api.mesh.PeerState;
import io.meshnode.api.mesh.TransitionDTO;
import io.meshnode.api.retry.RetryDecision;
import io.meshnode.api.retry.RetryPolicy;
import io.meshnode.api.testing.Configs;
import io.meshnode.api.topology.NodeRole;
import io.meshnode.api.transport.CloseReason;
import io.meshnode.api.transport.Direction;
import io.meshnode.api.transport.Transport;

/** The mesh state machine over an in-memory network, in virtual time. */
class MeshEngineTest {
    @TempDir
    Path dir;

    private final VirtualScheduler clock = new VirtualScheduler();
    private final FakeNetwork net = new FakeNetwork(clock);
    private final List<Node> nodes = new ArrayList<>();

    /** Plain arithmetic backoff for predictable virtual times: 100ms × failures, give up after 5 (masternode). */
    static final class TestRetry implements RetryPolicy {
        Duration stable = Duration.ofMillis(500);

        @Override
        public RetryDecision next(NodeRole role, int failures, Duration previous) {
            if (failures == 0) {
                return RetryDecision.retryAfter(Duration.ofMillis(10));
            }
            if (failures >= (role == NodeRole.MASTERNODE ? 5 : 3)) {
                return RetryDecision.giveUp(role == NodeRole.MASTERNODE ? Duration.ofSeconds(10) : null);
            }
            return RetryDecision.retryAfter(Duration.ofMillis(100L * failures));
        }

        @Override
        public Duration stableAfter() {
            return stable;
        }
    }

    /** A node with the test retry, the real heartbeat rules and the full mesh, under admit = any. */
    final class Node extends TestNode {
        String role = "masternode";

        Node(String name, String listen) throws Exception {
            super(MeshEngineTest.this.clock, net, dir, name, listen);
            retry = new TestRetry();
            Map<String, Object> hb = map("interval", "100ms", "timeout", "50ms", "missed", "3");
            health = new HeartbeatMonitor(log.logger(), Configs.of(HeartbeatMonitor.Config.class, hb), hb);
            topology = new FullMeshTopology();
        }

        void start(String peers, String grace) {
            start(peers, grace, false);
        }

        void start(String peers, String grace, boolean prompt) {
            // These tests configure peers by host:port without pins (AdmissionTest covers admit = peers).
            start(cfg(peers, grace), prompt);
        }

        Map<String, Object> cfg(String peers, String grace) {
            return map("peers", peers, "dial.grace", grace, "role", role, "admit", "any");
        }

        MeshSettings settings(String peers, String grace) {
            Map<String, Object> cfg = cfg(peers, grace);
            cfg.put("listen", ConfigValues.format(listen));
            return MeshSettings.parse(Configs.of(MeshConfig.class, cfg), ConfigValues.of(cfg, "meshnode.mesh"));
        }
    }

    private Node node(String name, String listen) throws Exception {
        Node n = new Node(name, listen);
        nodes.add(n);
        return n;
    }

    private static String peers(Node... others) {
        StringBuilder b = new StringBuilder();
        for (Node o : others) {
            b.append(b.length() == 0 ? "" : ",").append(ConfigValues.format(o.listen));
        }
        return b.toString();
    }

    /** Two nodes configured with each other, started with the given dial grace and linked 200 ms later. */
    private List<Node> linkedPair(String grace) throws Exception {
        Node a = node("a", "127.0.0.2:7800");
        Node b = node("b", "127.0.0.3:7800");
        a.start(peers(b), grace);
        b.start(peers(a), grace);
        clock.advance(200);
        assertEquals(PeerState.CONNECTED, a.peer(b).state);
        assertEquals(PeerState.CONNECTED, b.peer(a).state);
        assertEquals(1, net.open(), "one connection per pair");
        return List.of(a, b);
    }

    @Test
    void twoNodesFormExactlyOneLink() throws Exception {
        List<Node> pair = linkedPair("1s");
        Node a = pair.get(0);
        Node b = pair.get(1);
        assertEquals(b.identity.id(), a.peer(b).id);
        assertNotEquals(a.peer(b).direction, b.peer(a).direction);
        assertTrue(a.peer(b).dialer != b.peer(a).dialer, "exactly one side is the designated dialer");
    }

    /**
     * Found by the chaos soak (ChaosIT; FaultIT scenario 8 as well): a restarted node's own dial failed in its TLS
     * handshake after the peer's dial had linked them, and the failure took the peer from CONNECTED to BACKOFF with
     * the link still open; the node then dialed a peer it was linked to until it parked it, linked but shown PARKED.
     */
    @Test
    void aDialOfOursThatFailsAfterThePeersDialLinkedUsLeavesThePeerConnected() throws Exception {
        List<Node> pair = linkedPair("10ms");
        Node a = pair.get(0);
        Node b = pair.get(1);
        // The link breaks; both sides retry after 100 ms. b's dial links them; a's own fails 300 ms after it began.
        net.failingConnects.put(b.listen, 300L);
        int lines = a.log.lines().size();
        net.connections.stream().filter(c -> c.open && c.handler == net.listening.get(a.listen)
            || c.open && c.remote.equals(b.listen)).findFirst().orElseThrow().close(CloseReason.IO_ERROR, "reset");
        clock.advance(150);
        assertEquals(PeerState.CONNECTED, a.peer(b).state, "linked again by b's dial while a's own is under way: "
            + a.log.lines().subList(lines, a.log.lines().size()));
        clock.advance(400);
        assertEquals(PeerState.CONNECTED, a.peer(b).state, "a's failed dial left the live link in place: "
            + a.log.lines().subList(lines, a.log.lines().size()));
        List<String> since = a.log.lines().subList(lines, a.log.lines().size());
        assertEquals(1, a.peer(b).consecutiveFailures, () -> "the break counted, the failed dial did not: " + since);
        assertTrue(since.stream().noneMatch(l -> l.contains("CONNECTED → BACKOFF: CONNECT_FAILED")), since::toString);
        clock.advance(3000);
        assertEquals(PeerState.CONNECTED, a.peer(b).state);
        assertEquals(PeerState.CONNECTED, b.peer(a).state);
        assertEquals(1, net.open(), "one connection for the pair");
    }

    @Test
    void nodesOnOneIpWithDifferentPortsWork() throws Exception {
        Node a = node("a", "127.0.0.2:7800");
        Node b = node("b", "127.0.0.2:7801");
        a.start(peers(b), "1s");
        b.start(peers(a), "1s");
        clock.advance(200);
        assertEquals(PeerState.CONNECTED, a.peer(b).state);
        assertEquals(1, net.open());
    }

    @Test
    void aFullMeshOfFiveHasTenLinksAndNoDuplicates() throws Exception {
        Node[] n = new Node[5];
        for (int i = 0; i < 5; i++) {
            n[i] = node("n" + i, "127.0.0." + (2 + i) + ":7800");
        }
        for (int i = 0; i < 5; i++) {
            List<Node> others = new ArrayList<>(List.of(n));
            others.remove(n[i]);
            n[i].start(peers(others.toArray(new Node[0])), "300ms");
        }
        clock.advance(1_000);
        assertEquals(10, net.open());
        for (Node x : n) {
            assertTrue(x.engine.peers().stream().allMatch(p -> p.state == PeerState.CONNECTED), x.engine.peers().toString());
        }
    }

    @Test
    void whenBothSidesDialTheyKeepTheSameConnectionAndNothingCountsAsAFailure() throws Exception {
        Node a = node("a", "127.0.0.2:7800");
        Node b = node("b", "127.0.0.3:7800");
        // Pinned ids on one side only: the two sides disagree on who dials, so both dial at once.
        a.start(b.identity.id() + "@" + peers(b), "1s");
        b.start(peers(a), "1s");
        a.engine.reconnect(ConfigValues.format(b.listen));
        b.engine.reconnect(ConfigValues.format(a.listen));
        clock.advance(100);
        assertEquals(1, net.open(), "converged to one link");
        assertEquals(PeerState.CONNECTED, a.peer(b).state);
        assertEquals(PeerState.CONNECTED, b.peer(a).state);
        assertEquals(0, a.peer(b).consecutiveFailures);
        assertEquals(0, b.peer(a).consecutiveFailures);
        assertTrue(net.connections.stream().filter(c -> !c.open).count() >= 2, "a duplicate was closed");
        clock.advance(5_000);
        assertEquals(1, net.open(), "no reconnect storm");
    }

    @Test
    void aHelloOnAConnectionTheTransportAlreadyClosedDoesNotReplaceTheLiveLink() throws Exception {
        Node a = node("a", "127.0.0.2:7800");
        Node b = node("b", "127.0.0.3:7800");
        a.start(peers(b), "1s");
        b.start(peers(a), "1s");
        clock.advance(200);
        Node x = a.peer(b).direction == Direction.INBOUND ? a : b; // accepted the live link
        Node y = x == a ? b : a;
        // y dials x once more; x's transport closes that connection for its handshake timeout while y's hello
        // is already on its way to x's mesh thread (seen under load in the fault suite): the close comes after.
        net.transport().connect(x.listen, new InetSocketAddress(y.listen.getAddress(), 0),
            new io.meshnode.api.transport.ConnectionHandler() {
                @Override
                public void opened(io.meshnode.api.transport.Connection c) {}

                @Override
                public void frame(io.meshnode.api.transport.Connection c, byte[] frame) {}

                @Override
                public void closed(io.meshnode.api.transport.Connection c, CloseReason reason, String detail) {}
            });
        clock.advance(net.latency);
        FakeNetwork.FakeConnection late = net.connections.get(net.connections.size() - 1);
        assertEquals(Direction.INBOUND, late.direction);
        late.open = false;
        late.handler.frame(late, Protocol.hello(y.identity.id(), NodeRole.MASTERNODE, y.listen));
        late.handler.closed(late, CloseReason.HANDSHAKE_TIMEOUT, "no handshake within 3s");
        clock.advance(50);
        assertEquals(PeerState.CONNECTED, x.peer(y).state);
        assertEquals(0, x.peer(y).consecutiveFailures, "" + x.peer(y).lastCloseReason);
        assertEquals(null, x.peer(y).lastCloseReason, "the live link was kept");
        assertEquals(null, y.peer(x).lastCloseReason, "and not closed as a duplicate");
    }

    @Test
    void aDesignatedDialerThatDoesNotDialDoesNotStrandThePair() throws Exception {
        Node a = node("a", "127.0.0.2:7800");
        Node b = node("b", "127.0.0.3:7800");
        // a is the designated dialer (lower endpoint) but does not know b (misconfigured, or it gave up)
        a.start("", "1s");
        b.start(peers(a), "1s");
        assertFalse(b.peer(a).dialer);
        clock.advance(700);
        assertEquals(PeerState.IDLE, b.peer(a).state, "b first waits for the designated dialer");
        clock.advance(400);
        assertEquals(PeerState.CONNECTED, b.peer(a).state, "then dials itself within dial.grace");
        assertFalse(a.engine.peers().get(0).configured);
    }

    @Test
    void aKilledPeerIsRetriedWithBackoffAndReconnectedWhenItReturns() throws Exception {
        Node a = node("a", "127.0.0.2:7800");
        Node b = node("b", "127.0.0.3:7800");
        a.start(peers(b), "1s");
        b.start(peers(a), "1s");
        clock.advance(1_000);
        assertEquals(PeerState.CONNECTED, a.peer(b).state);
        // kill b: its listener and connections vanish
        b.engine.stop();
        clock.advance(10);
        assertTrue(a.peer(b).state == PeerState.BACKOFF || a.peer(b).state == PeerState.CONNECTING);
        assertEquals(1, a.peer(b).consecutiveFailures, "a stable link was lost: counting starts at one");
        clock.advance(2_000);
        assertTrue(a.peer(b).consecutiveFailures >= 2, "backing off against the dead peer");
        Node b2 = node("b", "127.0.0.3:7800"); // same key, restarted
        b2.start(peers(a), "1s");
        clock.advance(1_500);
        assertEquals(PeerState.CONNECTED, a.peer(b2).state);
        assertEquals(1, net.open());
    }

    @Test
    void aPeerThatAcceptsAndDropsAtOnceKeepsBackingOff() throws Exception {
        Node a = node("a", "127.0.0.2:7800");
        Node b = node("b", "127.0.0.3:7800");
        a.start(peers(b), "300ms");
        b.start(peers(a), "300ms");
        // b drops every link right after the handshake, long before it is stable (500ms)
        for (int i = 1; i <= 3; i++) {
            awaitConnected(a, b);
            b.engine.stop();
            b = node("b", "127.0.0.3:7800");
            b.start(peers(a), "300ms");
            clock.advance(5);
            assertEquals(i, a.peer(b).consecutiveFailures, "no reset without a stable connection");
        }
        awaitConnected(a, b);
        clock.advance(400);
        assertEquals(3, a.peer(b).consecutiveFailures, "not stable yet");
        clock.advance(200);
        assertEquals(0, a.peer(b).consecutiveFailures, "reset once the link proved stable");
    }

    private void awaitConnected(Node a, Node b) {
        long deadline = clock.now() + 30_000;
        while (clock.now() < deadline && a.peer(b).state != PeerState.CONNECTED) {
            clock.advance(1);
        }
        assertEquals(PeerState.CONNECTED, a.peer(b).state);
    }

    @Test
    void masternodesAreParkedAndReprobedFullNodesWaitAndBothComeBackOnReconnectOrDialIn() throws Exception {
        Node a = node("a", "127.0.0.2:7800");
        Node ghost = node("ghost", "127.0.0.9:7800");
        a.start(peers(ghost), "100ms");
        clock.advance(5_000);
        PeerDTO p = a.peer(ghost);
        assertEquals(PeerState.PARKED, p.state);
        assertEquals(5, p.consecutiveFailures);
        assertTrue(p.nextAttemptAt > 0, "a parked masternode is re-probed");
        assertTrue(a.log.has("WARN", "giving up fast retries"));
        clock.advance(10_000);
        assertEquals(6, a.peer(ghost).consecutiveFailures, "one slow probe");

        // the peer comes back and dials in: revived at once
        ghost.start(peers(a), "100ms");
        clock.advance(200);
        assertEquals(PeerState.CONNECTED, a.peer(ghost).state);
    }

    @Test
    void fullNodesWaitWhenParkedUntilAnOperatorReconnects() throws Exception {
        Node a = node("a", "127.0.0.2:7800");
        Node full = node("full", "127.0.0.9:7800");
        full.role = "fullnode";
        a.start(peers(full), "100ms");
        full.start(peers(a), "100ms");
        clock.advance(300);
        assertEquals("fullnode", a.peer(full).role, "the role announced in the hello");
        full.engine.stop();
        clock.advance(5_000);
        PeerDTO p = a.peer(full);
        assertEquals(PeerState.PARKED, p.state);
        assertEquals(3, p.consecutiveFailures);
        assertEquals(0, p.nextAttemptAt, "a parked full node waits");
        clock.advance(60_000);
        assertEquals(3, a.peer(full).consecutiveFailures, "no probes for full nodes");
        a.engine.reconnect(ConfigValues.format(full.listen));
        assertEquals(0, a.peer(full).consecutiveFailures);
        assertEquals(PeerState.CONNECTING, a.peer(full).state, "revived: the operator's dial is not a parked probe");
        assertTrue(a.log.lines().stream().anyMatch(l -> l.endsWith("PARKED → CONNECTING: operator reconnect")),
            a.log.lines()::toString);
        assertTrue(a.log.lines().stream().anyMatch(l -> l.contains("operator reconnect of ") && l.endsWith("(was PARKED, 3 failures)")),
            a.log.lines()::toString);
        // Asked again while that dial is under way: nothing new happens, and the log says so.
        a.engine.reconnect(ConfigValues.format(full.listen));
        assertTrue(a.log.lines().stream().anyMatch(l -> l.contains("a dial is already under way (CONNECTING)")),
            a.log.lines()::toString);
        clock.advance(10);
        assertEquals(1, a.peer(full).consecutiveFailures, "the operator's attempt ran");
    }

    @Test
    void everyPeerStateChangeIsOneLogLineWithOldNewStateAndReason() throws Exception {
        Node a = node("a", "127.0.0.2:7800");
        Node b = node("b", "127.0.0.3:7800");
        a.start(peers(b), "100ms");
        b.start(peers(a), "100ms");
        clock.advance(300);
        String bRef = ConfigValues.format(b.listen);
        assertEquals(PeerState.CONNECTED, a.peer(b).state);
        b.engine.stop();
        clock.advance(5);
        a.engine.reconnect(bRef);
        clock.advance(5);

        List<String> changes = a.log.lines().stream().filter(l -> l.startsWith("INFO peer ") && l.contains(" → "))
            .map(l -> l.replaceFirst("^INFO peer \\S+ ", "")).toList();
        assertEquals("new → IDLE: configured", changes.get(0));
        assertTrue(changes.stream().anyMatch(l -> l.matches("(HANDSHAKING|IDLE) → CONNECTED: handshake completed \\((in|out)bound\\)")),
            changes.toString());
        assertTrue(changes.stream().anyMatch(l -> l.startsWith("CONNECTED → BACKOFF: REMOTE_CLOSED")
            && l.endsWith("(failure 1)")), changes.toString());
        assertTrue(changes.contains("BACKOFF → CONNECTING: operator reconnect"), changes.toString());
        for (int i = 1; i < changes.size(); i++) {
            String from = changes.get(i).split(" ")[0];
            String previousTo = changes.get(i - 1).split(" ")[2].replace(":", "");
            assertEquals(previousTo, from, "each line starts where the last one ended: " + changes);
        }
    }

    @Test
    void aSilentPeerIsCaughtByTheHeartbeat() throws Exception {
        Node a = node("a", "127.0.0.2:7800");
        Node b = node("b", "127.0.0.3:7800");
        a.start(peers(b), "1s");
        b.start(peers(a), "1s");
        clock.advance(500);
        net.silence(b.listen);
        long start = clock.now();
        while (a.peer(b).state == PeerState.CONNECTED && clock.now() - start < 10_000) {
            clock.advance(1);
        }
        long detected = clock.now() - start;
        // interval 100, timeout 50, missed 3: at most missed × interval + timeout
        assertTrue(detected <= 3 * 100 + 50 + 2, "detected after " + detected + "ms");
        assertEquals(CloseReason.TIMEOUT, a.peer(b).lastCloseReason);
    }

    @Test
    void aNodeFrozenAndResumedSendsOnePingNotAFlood() throws Exception {
        Node a = node("a", "127.0.0.2:7800");
        Node b = node("b", "127.0.0.3:7800");
        a.start(peers(b), "1s");
        b.start(peers(a), "1s");
        clock.advance(500);
        long pingsBefore = countPings();
        clock.freeze(20_000);
        clock.advance(2);
        assertTrue(countPings() - pingsBefore <= 2, "at most one ping per side after the stall");
        clock.advance(500);
        assertEquals(PeerState.CONNECTED, a.peer(b).state, "the peers did not drop each other");
    }

    private long countPings() {
        return net.pings;
    }

    @Test
    void healthAndRetryCanBeAbsentWithoutDroppingTheLink() throws Exception {
        Node a = node("a", "127.0.0.2:7800");
        Node b = node("b", "127.0.0.3:7800");
        a.start(peers(b), "1s");
        b.start(peers(a), "1s");
        clock.advance(300);
        HealthMonitor h = a.health;
        a.health = null;
        a.retry = null;
        a.engine.servicesChanged();
        clock.advance(5_000);
        assertEquals(PeerState.CONNECTED, a.peer(b).state);
        a.health = h;
        a.retry = new TestRetry();
        a.engine.servicesChanged();
        clock.advance(1_000);
        assertEquals(PeerState.CONNECTED, a.peer(b).state);
        assertTrue(a.peer(b).rttLastMicros >= 0, "pings resumed");
    }

    @Test
    void theMonitorSeesTheHeartbeatArrivalIntervalsOfEachPeer() throws Exception {
        Node a = node("a", "127.0.0.2:7800");
        Node b = node("b", "127.0.0.3:7800");
        HealthMonitor heartbeat = a.health;
        List<long[]> seen = new ArrayList<>();
        a.health = (link, now) -> {
            seen.add(link.arrivalIntervals());
            return heartbeat.assess(link, now);
        };
        a.start(peers(b), "1s");
        b.start(peers(a), "1s");
        clock.advance(1_050);
        long[] last = seen.get(seen.size() - 1);
        assertTrue(last.length >= 8, "one interval per answered ping after the first: " + last.length);
        for (long interval : last) {
            assertEquals(100, interval, "pings every 100ms, answered at once in virtual time");
        }
    }

    private HealthMonitor heartbeat(Node n, String interval, String timeout, String missed) {
        Map<String, Object> hb = map("interval", interval, "timeout", timeout, "missed", missed);
        return new HeartbeatMonitor(n.log.logger(), Configs.of(HeartbeatMonitor.Config.class, hb), hb);
    }

    @Test
    void switchingAnIdleLinkFromHeartbeatToPhiCausesNoFalseFailure() throws Exception {
        Node a = node("a", "127.0.0.2:7800");
        Node b = node("b", "127.0.0.3:7800");
        a.health = heartbeat(a, "30s", "10s", "3"); // the defaults
        b.health = null; // b only answers: every frame a sees is a pong to its own pings
        a.start(peers(b), "1s");
        b.start(peers(a), "1s");
        clock.advance(100);
        assertEquals(PeerState.CONNECTED, a.peer(b).state);
        clock.advance(29_000); // idle: a's last frame is the pong to its first ping, no arrival interval yet
        long pings = net.pings;
        a.health = new PhiMonitor(a.log.logger(), Configs.of(PhiMonitor.Config.class, Map.of()), Map.of());
        a.engine.servicesChanged();
        net.latency = 750; // the first pong arrives 1.5 s after its ping, after phi's 1 s interval
        clock.advance(1);
        assertEquals(pings + 1, net.pings, "phi pings at once, not at the heartbeat's next check");
        clock.advance(10_000);
        assertEquals(PeerState.CONNECTED, a.peer(b).state, a.log.lines().toString());
        assertEquals(PeerState.CONNECTED, b.peer(a).state);
        assertFalse(a.log.has("WARN", "not answering"), a.log.lines().toString());
        assertEquals(1, net.open(), "the link was never dropped");
        assertEquals(0, a.peer(b).consecutiveFailures);
        net.latency = 1;
        net.silence(b.listen);
        long silent = clock.now();
        while (a.peer(b).state == PeerState.CONNECTED && clock.now() - silent < 60_000) {
            clock.advance(10);
        }
        assertEquals(CloseReason.TIMEOUT, a.peer(b).lastCloseReason, "phi still catches a peer that goes silent");
    }

    @Test
    void aNewMonitorIsConsultedAtOnceWithItsOwnFreshCounters() throws Exception {
        Node a = node("a", "127.0.0.2:7800");
        Node b = node("b", "127.0.0.3:7800");
        a.health = heartbeat(a, "30s", "50ms", "5");
        b.health = null;
        a.start(peers(b), "1s");
        b.start(peers(a), "1s");
        clock.advance(100);
        net.silence(b.listen);
        // the second ping (due after 30 s, at most 5 % later: CoarseTimers) goes unanswered
        clock.advance(30_000 + 30_000 / CoarseTimers.LATENESS_DIVISOR + 100);
        net.unsilence(b.listen);
        assertEquals(1, a.peer(b).missedPings);
        List<LinkObservation> seen = new ArrayList<>();
        List<Long> when = new ArrayList<>();
        HealthMonitor next = heartbeat(a, "1s", "500ms", "3");
        a.health = (link, now) -> {
            seen.add(link);
            when.add(now);
            return next.assess(link, now);
        };
        long swapped = clock.now();
        a.engine.servicesChanged();
        clock.advance(1);
        assertEquals(1, seen.size(), "assessed at once, not at the old monitor's next check ~30 s later");
        LinkObservation first = seen.get(0);
        assertEquals(swapped, when.get(0));
        assertEquals(0, first.missed(), "the old monitor's missed pings are not the new one's");
        assertEquals(LinkObservation.NONE, first.lastPingAt());
        assertEquals(LinkObservation.NONE, first.pingSentAt());
        assertEquals(swapped, first.connectedAt(), "its judgement starts when it took over");
        assertTrue(first.lastFrameAt() >= swapped);
        assertEquals(0, a.peer(b).missedPings);
        clock.advance(5_000);
        assertEquals(PeerState.CONNECTED, a.peer(b).state);
        assertEquals(0, a.peer(b).missedPings);
    }

    @Test
    void aMonitorBoundBeforeTheMeshHearsOfItStillStartsAfresh() throws Exception {
        Node a = node("a", "127.0.0.2:7800");
        Node b = node("b", "127.0.0.3:7800");
        b.health = null;
        a.start(peers(b), "1s");
        b.start(peers(a), "1s");
        clock.advance(300);
        List<LinkObservation> seen = new ArrayList<>();
        HealthMonitor old = a.health;
        a.health = (link, now) -> {
            seen.add(link);
            return old.assess(link, now);
        };
        clock.advance(100); // its check came before servicesChanged()
        assertFalse(seen.isEmpty());
        assertEquals(LinkObservation.NONE, seen.get(0).lastPingAt(), seen.get(0).toString());
        assertEquals(PeerState.CONNECTED, a.peer(b).state);
    }

    @Test
    void linksReformWhenTheTransportComesBack() throws Exception {
        Node a = node("a", "127.0.0.2:7800");
        Node b = node("b", "127.0.0.3:7800");
        a.start(peers(b), "200ms");
        b.start(peers(a), "200ms");
        clock.advance(300);
        // the transport bundle of a is updated: its connections close with SHUTDOWN, the service goes away
        a.transport = null;
        net.connections.stream().filter(c -> c.open).forEach(c -> c.close(CloseReason.SHUTDOWN, "transport stopped"));
        net.listening.remove(a.listen);
        a.engine.servicesChanged();
        clock.advance(2_000);
        assertFalse(a.engine.node().listening);
        assertEquals(List.of("transport"), a.engine.node().missing);
        a.transport = net.transport();
        a.engine.servicesChanged();
        clock.advance(1_000);
        assertEquals(PeerState.CONNECTED, a.peer(b).state);
        assertEquals(PeerState.CONNECTED, b.peer(a).state);
        assertEquals(1, net.open());
    }

    /** Three nodes, fully linked, with a 10 s dial grace (far longer than any re-forming may take). */
    private Node[] formedTriangle() throws Exception {
        Node a = node("a", "127.0.0.2:7800");
        Node b = node("b", "127.0.0.3:7800");
        Node c = node("c", "127.0.0.4:7800");
        a.start(peers(b, c), "10s");
        b.start(peers(a, c), "10s");
        c.start(peers(a, b), "10s");
        clock.advance(12_000);
        return new Node[] {a, b, c};
    }

    @Test
    void aReplacedTransportReformsEveryLinkAtOnceWithoutCountingFailures() throws Exception {
        Node[] abc = formedTriangle();
        Node a = abc[0], b = abc[1], c = abc[2];
        assertEquals(3, net.open());
        // a higher-ranked transport (or a new version of the bundle) is bound in a
        a.transport = net.transport();
        a.engine.servicesChanged();
        assertTrue(a.engine.farewell().isDone(), "goodbyes written before the old transport is released");
        clock.advance(50); // far below the 10s dial grace and any backoff
        for (Node x : List.of(a, b, c)) {
            for (PeerDTO p : x.engine.peers()) {
                assertEquals(PeerState.CONNECTED, p.state, x.name + " " + p);
                assertEquals(0, p.consecutiveFailures, x.name + " " + p);
            }
        }
        assertEquals(3, net.open());
        assertEquals(CloseReason.ADMIN, b.peer(a).lastCloseReason, "the peers saw a goodbye, not a failure");
    }

    @Test
    void aTransportUnboundAfterItsReplacementWasBoundSaysGoodbyeBeforeItCloses() throws Exception {
        Node[] abc = formedTriangle();
        Node a = abc[0], b = abc[1], c = abc[2];
        Transport old = a.transport;
        // Greedy rebind: the replacement is bound first; the mesh has not acted on it yet when the old one
        // is unbound, and the old one closes every connection (SHUTDOWN) as soon as the unbind returns.
        a.transport = net.transport();
        CompletableFuture<Void> goodbyes = a.engine.release(old);
        assertTrue(goodbyes.isDone(), "the goodbyes are written before the unbind returns");
        net.connections.stream().filter(x -> x.open && x.local.getAddress().equals(a.listen.getAddress()))
            .forEach(x -> x.close(CloseReason.SHUTDOWN, "transport stopped"));
        clock.advance(50);
        for (Node peer : List.of(b, c)) {
            assertEquals(CloseReason.ADMIN, peer.peer(a).lastCloseReason, peer.name + " saw a goodbye, not a loss");
        }
        for (Node x : List.of(a, b, c)) {
            for (PeerDTO p : x.engine.peers()) {
                assertEquals(PeerState.CONNECTED, p.state, x.name + " " + p);
                assertEquals(0, p.consecutiveFailures, x.name + " " + p);
            }
        }
        assertTrue(a.engine.release(old).isDone(), "a second release finds nothing left to say");
        assertTrue(a.engine.release(net.transport()).isDone(), "a transport the mesh never used carried no links");
    }

    @Test
    void aRestartedMeshDialsEveryPeerAtOnce() throws Exception {
        Node[] abc = formedTriangle();
        Node a = abc[0], b = abc[1], c = abc[2];
        a.engine.stop(true);
        net.listening.remove(a.listen);
        clock.advance(5);
        assertEquals(1, net.open());
        assertEquals(CloseReason.ADMIN, b.peer(a).lastCloseReason);
        a.start(peers(b, c), "10s", true); // mesh.core updated: a new engine, told by the marker to hurry
        clock.advance(100);
        assertEquals(3, net.open(), "back long before the 10s grace");
        assertEquals(PeerState.CONNECTED, b.peer(a).state);
        assertEquals(PeerState.CONNECTED, c.peer(a).state);
    }

    @Test
    void selfConnectionAndWrongPinnedIdAreRefusedWithAReason() throws Exception {
        Node a = node("a", "127.0.0.2:7800");
        Node b = node("b", "127.0.0.3:7800");
        Node c = node("c", "127.0.0.4:7800");
        a.start(c.identity.id() + "@" + peers(b), "1s"); // pinned to c's id, but b listens there
        b.start(peers(a), "1s");
        clock.advance(2_000);
        assertNotEquals(PeerState.CONNECTED, a.peer(b).state);
        // whichever side dialed, a refuses b naming the pinned id, and b logs a's reason
        assertTrue(a.log.has("WARN", "refusing") && a.log.has("WARN", c.identity.id()), a.log.lines().toString());
        assertTrue(b.log.has("WARN", "refused the connection") && b.log.has("WARN", c.identity.id()),
            b.log.lines().toString());
        assertEquals(CloseReason.REFUSED, a.peer(b).lastCloseReason);
    }

    @Test
    void garbageFromAPeerClosesOnlyThatConnection() throws Exception {
        Node a = node("a", "127.0.0.2:7800");
        Node b = node("b", "127.0.0.3:7800");
        Node c = node("c", "127.0.0.4:7800");
        a.start(peers(b, c), "1s");
        b.start(peers(a), "1s");
        c.start(peers(a), "1s");
        clock.advance(300);
        FakeNetwork.FakeConnection fromB = net.connections.stream()
            .filter(x -> x.open && x.local.getAddress().equals(b.listen.getAddress())).findFirst().orElseThrow();
        fromB.send(new byte[] {99, 1, 2, 3});
        clock.advance(5);
        assertTrue(a.log.has("WARN", "protocol error from"), a.log.lines().toString());
        assertEquals(PeerState.CONNECTED, a.peer(c).state, "other links unaffected");
        clock.advance(1_000);
        assertEquals(PeerState.CONNECTED, a.peer(b).state, "and the bad one is re-formed");
    }

    @Test
    void messagesReachHandlersAndSendingToADisconnectedPeerFailsVisibly() throws Exception {
        Node a = node("a", "127.0.0.2:7800");
        Node b = node("b", "127.0.0.3:7800");
        Node ghost = node("ghost", "127.0.0.9:7800");
        a.start(peers(b, ghost), "1s");
        b.start(peers(a), "1s");
        clock.advance(300);
        a.engine.send(b.identity.id(), "blocks", "hello".getBytes(StandardCharsets.UTF_8));
        a.engine.broadcast("tx", "all".getBytes(StandardCharsets.UTF_8));
        clock.advance(10);
        assertEquals(List.of("blocks:hello", "tx:all"), b.messages);
        CompletionException e = assertThrows(CompletionException.class,
            () -> a.engine.send(ConfigValues.format(ghost.listen), "x", new byte[0]).toCompletableFuture().join());
        assertTrue(e.getCause() instanceof IllegalStateException);
        assertTrue(e.getCause().getMessage().contains("is not connected"));
        assertThrows(IllegalArgumentException.class, () -> a.engine.peer("127.0.0.77:1"));
        assertThrows(IllegalArgumentException.class, () -> a.engine.peer("zz"));
    }

    @Test
    void removingAPeerFromTheConfigurationClosesItsLinkAndAddingOneDialsIt() throws Exception {
        Node a = node("a", "127.0.0.2:7800");
        Node b = node("b", "127.0.0.3:7800");
        Node c = node("c", "127.0.0.4:7800");
        a.start(peers(b), "200ms");
        b.start(peers(a), "200ms");
        c.start(peers(a), "200ms");
        clock.advance(500);
        a.engine.reconfigure(a.settings(peers(c), "200ms"));
        clock.advance(500);
        assertEquals(PeerState.CONNECTED, a.peer(c).state);
        assertEquals(CloseReason.ADMIN, b.peer(a).lastCloseReason);
        // b still lists a and dials it again; a accepts it as a peer it does not dial itself
        assertFalse(a.peer(b).configured);
        b.engine.reconfigure(b.settings("", "200ms"));
        clock.advance(500);
        assertThrows(IllegalArgumentException.class, () -> a.peer(b), "gone once neither side wants the link");
    }

    @Test
    void dialAttemptsAndHandshakeTimesAreReportedForMetrics() throws Exception {
        Node a = node("a", "127.0.0.2:7800");
        Node b = node("b", "127.0.0.3:7800");
        a.start(peers(b), "1s");
        b.start(peers(a), "1s");
        clock.advance(500);
        PeerDTO ab = a.peer(b);
        PeerDTO ba = b.peer(a);
        assertEquals(PeerState.CONNECTED, ab.state);
        assertTrue(ab.dialAttempts + ba.dialAttempts >= 1, ab.dialAttempts + "/" + ba.dialAttempts);
        assertEquals(ab.dialAttempts, a.engine.node().dialAttempts, "one peer: the node's total is the peer's");
        assertEquals(ba.dialAttempts, b.engine.node().dialAttempts);
        assertTrue(ab.handshakeMicros >= 0 && ba.handshakeMicros >= 0, ab.handshakeMicros + "/" + ba.handshakeMicros);
        assertEquals(0, a.engine.node().offences);
    }

    @Test
    void aPeerKeepsItsTransitionsWithReasonsAndCountsBytesAndMessages() throws Exception {
        Node a = node("a", "127.0.0.2:7800");
        Node b = node("b", "127.0.0.3:7800");
        // Ids known from an earlier start: one connection from the first contact (with ids still unknown, the side
        // dialed in to dials back to check the claim, and the duplicate's frames in flight blur the byte counts).
        a.known.learn(ConfigValues.format(b.listen), b.identity.id());
        b.known.learn(ConfigValues.format(a.listen), a.identity.id());
        a.start(peers(b), "1s");
        b.start(peers(a), "1s");
        clock.advance(200);
        a.health = null; // no heartbeat frames in flight when the counters are compared
        b.health = null;
        clock.advance(200);
        b.engine.send(a.identity.id(), "tx", "one".getBytes(StandardCharsets.UTF_8));
        b.engine.send(a.identity.id(), "tx", "two".getBytes(StandardCharsets.UTF_8));
        clock.advance(20);
        PeerDTO p = a.peer(b);
        assertEquals(2, p.messagesIn);
        assertEquals(0, p.messagesOut);
        assertTrue(p.bytesIn > 2 * 3 && p.bytesOut > 0, p.bytesIn + "/" + p.bytesOut);
        assertEquals(2, b.peer(a).messagesOut);
        assertEquals(p.bytesIn, b.peer(a).bytesOut, "what one side sends, the other receives");
        assertNotNull(p.remoteAddress);
        assertNotNull(p.localAddress);
        TransitionDTO last = p.history.get(p.history.size() - 1);
        assertEquals(PeerState.CONNECTED, last.to);
        assertTrue(last.reason.startsWith("handshake completed ("), last.reason);
        assertEquals(null, p.history.get(0).from, "the first entry is the peer being added");
        for (int i = 1; i < p.history.size(); i++) {
            assertEquals(p.history.get(i - 1).to, p.history.get(i).from, "transitions chain: " + p.history);
            assertNotEquals(p.history.get(i).from, p.history.get(i).to, "one entry per real change: " + p.history);
        }
    }

    @Test
    void theHistoryIsBoundedAndSaysWhyAttemptsFailed() throws Exception {
        Node a = node("a", "127.0.0.2:7800");
        Node b = node("b", "127.0.0.3:7800");
        a.start(peers(b), "1s"); // b never starts: every dial is refused
        clock.advance(60_000);
        assertEquals(PeerState.PARKED, a.peer(b).state);
        a.engine.reconnect(ConfigValues.format(b.listen));
        clock.advance(60_000);
        PeerDTO p = a.peer(b);
        assertEquals(PeerReporter.HISTORY, p.history.size());
        assertTrue(p.history.stream().anyMatch(t -> t.to == PeerState.BACKOFF && t.reason.startsWith("CONNECT_FAILED")),
            p.history.toString());
        assertEquals(PeerState.PARKED, p.history.stream().filter(t -> t.to != PeerState.CONNECTING)
            .reduce((x, y) -> y).get().to);
    }

    @Test
    void anOperatorPingMeasuresOneRoundTripOutsideTheHeartbeat() throws Exception {
        Node a = node("a", "127.0.0.2:7800");
        Node b = node("b", "127.0.0.3:7800");
        net.latency = 7;
        a.start(peers(b), "1s");
        b.start(peers(a), "1s");
        clock.advance(300);
        CompletableFuture<Duration> rtt = a.engine.ping(b.identity.id().substring(0, 8)).toCompletableFuture();
        assertFalse(rtt.isDone());
        clock.advance(14);
        assertTrue(rtt.isDone());
        assertEquals(0, rtt.join().toNanos() % 1_000, "microsecond resolution");
        assertTrue(a.peer(b).rttLastMicros >= 0);
    }

    @Test
    void aPingToAPeerThatIsNotConnectedOrThatDiesFailsWithAReason() throws Exception {
        Node a = node("a", "127.0.0.2:7800");
        Node b = node("b", "127.0.0.3:7800");
        a.start(peers(b), "1s");
        CompletionException e = assertThrows(CompletionException.class,
            () -> a.engine.ping(ConfigValues.format(b.listen)).toCompletableFuture().join());
        assertTrue(e.getCause().getMessage().contains("is not connected"), e.getCause().getMessage());
        assertThrows(IllegalArgumentException.class, () -> a.engine.ping("127.0.0.9:7800"));
        b.start(peers(a), "1s");
        clock.advance(2_000);
        assertEquals(PeerState.CONNECTED, a.peer(b).state);
        CompletableFuture<Duration> lost = a.engine.ping(ConfigValues.format(b.listen)).toCompletableFuture();
        b.engine.stop();
        clock.advance(100);
        assertTrue(lost.isCompletedExceptionally());
    }
}
