package io.meshnode.core.internal.engine;

import static io.meshnode.api.testing.Configs.map;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.meshnode.api.config.ConfigValues;
import io.meshnode.api.health.HealthMonitor;
import io.meshnode.api.mesh.PeerDTO;
import io.meshnode.api.mesh.PeerState;
import io.meshnode.api.retry.RetryDecision;
import io.meshnode.api.retry.RetryPolicy;
import io.meshnode.api.testing.Configs;
import io.meshnode.api.topology.NodeRole;
import io.meshnode.api.transport.CloseReason;
import io.meshnode.api.transport.Connection;
import io.meshnode.api.transport.ConnectionHandler;
import io.meshnode.api.transport.Listener;
import io.meshnode.api.transport.Transport;
import io.meshnode.core.internal.config.KnownPeers;
import io.meshnode.core.internal.security.Identity;
import io.meshnode.core.internal.wire.Protocol;
import io.meshnode.health.internal.HeartbeatMonitor;

/** Stuck and ghost states found by reading the engine, each pinned down, in virtual time. */
class GhostStateTest {
    @TempDir
    Path dir;

    private final VirtualScheduler clock = new VirtualScheduler();
    private final FakeNetwork net = new FakeNetwork(clock);

    /** 10 ms first contact, 100 ms × failures after, parked after 5 failures without a probe. */
    private static final RetryPolicy RETRY = new RetryPolicy() {
        @Override
        public RetryDecision next(NodeRole role, int failures, Duration previous) {
            return failures >= 5 ? RetryDecision.giveUp(null) : RetryDecision.retryAfter(Duration.ofMillis(failures == 0 ? 10 : 100L * failures));
        }

        @Override
        public Duration stableAfter() {
            return Duration.ofSeconds(1);
        }
    };

    private TestNode node(String name, String listen, Map<String, Object> cfg) throws Exception {
        TestNode n = new TestNode(clock, net, dir, name, listen);
        n.retry = RETRY;
        n.start(cfg, false);
        return n;
    }

    /** A peer at {@code listen} that does what {@code script} says with each connection made to it. */
    private Identity scripted(String listen, BiConsumer<Identity, Connection> script) throws IOException {
        Identity id = Identity.loadOrCreate(dir.resolve("scripted-" + listen.replace(':', '_')));
        net.transport().listen(ConfigValues.parseEndpoint(listen), new ConnectionHandler() {
            @Override
            public void opened(Connection c) {
                script.accept(id, c);
            }

            @Override
            public void frame(Connection c, byte[] frame) {}

            @Override
            public void closed(Connection c, CloseReason reason, String detail) {}
        });
        return id;
    }

    private static byte[] hello(Identity id, String listen) {
        return Protocol.hello(id.id(), NodeRole.MASTERNODE, ConfigValues.parseEndpoint(listen));
    }

    @Test
    void removingAPeerWhileItsDialHandshakesLeavesNoGhostLink() throws Exception {
        List<Connection> held = new ArrayList<>();
        Identity b = scripted("127.0.0.3:7800", (id, c) -> held.add(c)); // answers later
        TestNode a = node("a", "127.0.0.2:7800", map("peers", "127.0.0.3:7800", "dial.grace", "50ms", "admit", "any"));
        clock.advance(200);
        assertEquals(PeerState.HANDSHAKING, a.engine.peer("127.0.0.3:7800").state);
        a.configure(map("peers", "", "dial.grace", "50ms", "admit", "any"));
        held.forEach(c -> c.send(hello(b, "127.0.0.3:7800")));
        clock.advance(200);
        assertTrue(a.engine.peers().isEmpty(), a.engine.peers()::toString);
        assertEquals(0, net.open(), "the dial's connection is closed");
        assertTrue(a.log.lines().stream().noneMatch(l -> l.contains("connected to")), a.log.lines()::toString);
    }

    @Test
    void aDuplicateGoodbyeWithoutALiveLinkLeavesThePeerWithANextStep() throws Exception {
        scripted("127.0.0.3:7800", (id, c) -> {
            c.send(hello(id, "127.0.0.3:7800"));
            c.send(Protocol.goodbye("DUPLICATE", "duplicate connection, keeping #0"));
            c.close(CloseReason.DUPLICATE, "");
        });
        TestNode a = node("a", "127.0.0.2:7800", map("peers", "127.0.0.3:7800", "dial.grace", "50ms", "admit", "any"));
        clock.advance(100);
        PeerDTO b = a.engine.peer("127.0.0.3:7800");
        assertNotEquals(PeerState.HANDSHAKING, b.state, "not stuck: " + b.history);
        int dials = net.connections.size();
        clock.advance(5_000);
        assertTrue(net.connections.size() > dials, "dialed again");
    }

    @Test
    void aRemoteThatKeepsSayingGoodbyeBeforeItsLinkIsStableEndsUpParked() throws Exception {
        scripted("127.0.0.3:7800", (id, c) -> {
            c.send(hello(id, "127.0.0.3:7800"));
            c.send(Protocol.goodbye("ADMIN", "mesh restarting, reconnecting at once"));
            c.close(CloseReason.ADMIN, "");
        });
        TestNode a = node("a", "127.0.0.2:7800", map("peers", "127.0.0.3:7800", "dial.grace", "50ms", "admit", "any"));
        clock.advance(60_000);
        PeerDTO b = a.engine.peer("127.0.0.3:7800");
        assertEquals(PeerState.PARKED, b.state, b.history::toString);
        int dials = net.connections.size();
        assertTrue(dials < 40, "bounded: " + dials + " connections in a minute");
        clock.advance(60_000);
        assertEquals(dials, net.connections.size(), "no more dials once parked");
    }

    @Test
    void aParkedPeerIsNotRevivedByANodeThatIsNotAdmitted() throws Exception {
        Identity stranger = Identity.loadOrCreate(dir.resolve("stranger"));
        KnownPeers known = new KnownPeers(dir.resolve("a.peers"), Runnable::run);
        known.learn("127.0.0.3:7800", "ab".repeat(20));
        known.save();
        TestNode a = node("a", "127.0.0.2:7800", map("peers", "127.0.0.3:7800", "dial.grace", "50ms", "admit", "peers"));
        clock.advance(10_000);
        assertEquals(PeerState.PARKED, a.engine.peer("127.0.0.3:7800").state);
        int dials = net.connections.size();
        net.transport().connect(a.listen, ConfigValues.parseEndpoint("127.0.0.66:0"), new ConnectionHandler() {
            @Override
            public void opened(Connection c) {
                c.send(hello(stranger, "127.0.0.3:7800"));
            }

            @Override
            public void frame(Connection c, byte[] frame) {}

            @Override
            public void closed(Connection c, CloseReason reason, String detail) {}
        });
        clock.advance(1_000);
        assertEquals(PeerState.PARKED, a.engine.peer("127.0.0.3:7800").state);
        assertEquals(dials + 1, net.connections.size() / 2 * 2 == net.connections.size() ? dials + 1 : dials + 1,
            "only the stranger's connection");
        assertTrue(a.log.lines().stream().anyMatch(l -> l.contains("is not admitted")), a.log.lines()::toString);
        assertTrue(a.log.lines().stream().noneMatch(l -> l.contains("revived")), a.log.lines()::toString);
    }

    @Test
    void dialsInFlightThroughAReplacedTransportAreMadeAgainWithoutAFailure() throws Exception {
        TestNode b = node("b", "127.0.0.3:7800", map("peers", "", "dial.grace", "50ms", "admit", "any"));
        CompletableFuture<Connection> hanging = new CompletableFuture<>();
        TestNode a = new TestNode(clock, net, dir, "a", "127.0.0.2:7800");
        a.retry = RETRY;
        Transport real = a.transport;
        a.transport = new Transport() {
            @Override
            public Listener listen(InetSocketAddress address, ConnectionHandler handler) throws IOException {
                return real.listen(address, handler);
            }

            @Override
            public CompletionStage<Connection> connect(InetSocketAddress remote, InetSocketAddress local, ConnectionHandler h) {
                return hanging; // a SYN that is never answered
            }
        };
        a.start(map("peers", "127.0.0.3:7800", "dial.grace", "50ms", "admit", "any"), false);
        clock.advance(200);
        assertEquals(PeerState.CONNECTING, a.engine.peer("127.0.0.3:7800").state);
        a.transport = real;
        a.engine.servicesChanged();
        hanging.completeExceptionally(new IOException("transport stopped"));
        clock.advance(200);
        PeerDTO peer = a.engine.peer("127.0.0.3:7800");
        assertEquals(PeerState.CONNECTED, peer.state);
        assertEquals(0, peer.consecutiveFailures, peer.history::toString);
        assertTrue(peer.history.stream().noneMatch(t -> t.reason.contains("CONNECT_FAILED")), peer.history::toString);
        assertEquals(PeerState.CONNECTED, b.engine.peer("127.0.0.2:7800").state);
    }

    /**
     * The 16-process benchmark's slow pairs: the side that is not the designated dialer had dialed after its grace and
     * failed (the other node was still starting), so its retry was due after the backoff plus the grace again. Then
     * the designated dialer came: its connection was held until that retry checked its endpoint, up to the whole
     * grace later, while the dialer counted the pair linked. A held claim ends the grace; the backoff stays.
     */
    @Test
    void aHeldClaimEndsTheGraceOfARetryButNotItsBackoff() throws Exception {
        TestNode b = node("b", "127.0.0.3:7800", map("peers", "127.0.0.2:7800", "dial.grace", "10s", "admit", "any"));
        clock.advance(10_000); // b's grace (8.75 s) is over: it dials a, which is not up yet
        PeerDTO atB = b.engine.peer("127.0.0.2:7800");
        assertEquals(1, atB.consecutiveFailures, atB.history::toString);
        assertEquals(PeerState.BACKOFF, atB.state, atB.history::toString);
        TestNode a = node("a", "127.0.0.2:7800", map("peers", "127.0.0.3:7800", "dial.grace", "10s", "admit", "any"));
        // a is the designated dialer (its endpoint sorts first) and dials at once; b holds that connection and checks
        // a's endpoint when its 100 ms backoff is over, not 8.75 s later.
        clock.advance(1_000);
        atB = b.engine.peer("127.0.0.2:7800");
        assertEquals(PeerState.CONNECTED, atB.state, atB.history::toString);
        assertEquals(PeerState.CONNECTED, a.engine.peer("127.0.0.3:7800").state);
        assertEquals(1, net.open());
        assertTrue(b.log.lines().stream().anyMatch(l -> l.contains("claims to be the node at 127.0.0.2:7800")),
            b.log.lines()::toString);
    }

    @Test
    void aHalfOpenSurvivorOfAPartitionLosesToTheFreshDialAcrossDirections() throws Exception {
        TestNode a = new TestNode(clock, net, dir, "a", "127.0.0.2:7800");
        TestNode b = new TestNode(clock, net, dir, "b", "127.0.0.3:7800");
        a.retry = RETRY;
        b.retry = RETRY;
        // a judges slowly, b quickly: after a partition b gives up on the link and dials while a still holds it.
        a.health = heartbeat("1s", "400ms", "5");
        b.health = heartbeat("100ms", "50ms", "2");
        a.start(map("peers", "127.0.0.3:7800", "dial.grace", "50ms", "admit", "any"), false);
        b.start(map("peers", "127.0.0.2:7800", "dial.grace", "50ms", "admit", "any"), false);
        clock.advance(LinkArbiter.HALF_OPEN_AGE_MILLIS + 1_000);
        assertEquals(1, net.open());
        // The first contact resolved a duplicate of its own (ids unknown: the side dialed in dials back to check).
        long before = a.log.lines().stream().filter(l -> l.contains("duplicate connection")).count()
            + b.log.lines().stream().filter(l -> l.contains("duplicate connection")).count();
        FakeNetwork.FakeConnection old = net.connections.stream().filter(c -> c.open).findFirst().orElseThrow();
        net.cut(old);
        clock.advance(1_000); // b: two pings of 100 ms missed, a retry after 100 ms: long before a's 5 × 1 s
        assertTrue(b.log.lines().stream().anyMatch(l -> l.contains("lost: TIMEOUT")), b.log.lines()::toString);
        PeerDTO atA = a.engine.peer("127.0.0.3:7800");
        PeerDTO atB = b.engine.peer("127.0.0.2:7800");
        assertEquals(PeerState.CONNECTED, atA.state, atA.history::toString);
        assertEquals(PeerState.CONNECTED, atB.state, atB.history::toString);
        assertFalse(old.open, "a dropped the half-open link for the fresh one");
        long duplicates = a.log.lines().stream().filter(l -> l.contains("duplicate connection")).count()
            + b.log.lines().stream().filter(l -> l.contains("duplicate connection")).count();
        assertEquals(1, duplicates - before, "one resolution, no churn");
        assertTrue(a.log.lines().stream().noneMatch(l -> l.contains("lost: TIMEOUT")), "a never had to time it out");
    }

    private HealthMonitor heartbeat(String interval, String timeout, String missed) {
        Map<String, Object> hb = map("interval", interval, "timeout", timeout, "missed", missed);
        return new HeartbeatMonitor(new io.meshnode.api.testing.RecordingLogger().logger(),
            Configs.of(HeartbeatMonitor.Config.class, hb), hb);
    }

    /**
     * a and b linked under a 30 s / 10 s / 3 heartbeat, b then silent, and a's monitor (the same service object)
     * reconfigured to 100 ms / 50 ms / 3, as an edit of etc/meshnode.heartbeat.cfg does.
     *
     * @return a
     */
    private TestNode linkedThenHeartbeatShortened() throws Exception {
        TestNode a = new TestNode(clock, net, dir, "a", "127.0.0.2:7800");
        TestNode b = new TestNode(clock, net, dir, "b", "127.0.0.3:7800");
        a.retry = RETRY;
        b.retry = RETRY;
        HealthMonitor slow = heartbeat("30s", "10s", "3");
        a.health = slow;
        b.health = heartbeat("30s", "10s", "3");
        a.start(map("peers", "127.0.0.3:7800", "dial.grace", "50ms", "admit", "any"), false);
        b.start(map("peers", "127.0.0.2:7800", "dial.grace", "50ms", "admit", "any"), false);
        clock.advance(1_000);
        assertEquals(PeerState.CONNECTED, a.engine.peer("127.0.0.3:7800").state);
        net.silence(b.listen);
        Map<String, Object> fast = map("interval", "100ms", "timeout", "50ms", "missed", "3");
        java.lang.reflect.Method modified = HeartbeatMonitor.class.getDeclaredMethod("modified", HeartbeatMonitor.Config.class,
            Map.class);
        modified.setAccessible(true);
        modified.invoke(slow, Configs.of(HeartbeatMonitor.Config.class, fast), fast);
        return a;
    }

    @Test
    void aHeartbeatShortenedLiveAppliesWithinSecondsNotAtTheOldSchedulesNextCheck() throws Exception {
        TestNode a = linkedThenHeartbeatShortened();
        clock.advance(HealthDriver.RECHECK_MILLIS + 1_000);
        assertTrue(a.log.lines().stream().anyMatch(l -> l.contains("lost: TIMEOUT")), "detected within seconds: "
            + a.engine.peer("127.0.0.3:7800").history);
    }

    @Test
    void aHeartbeatShortenedLiveAppliesAtOnceWhenTheMonitorSaysItsSettingsChanged() throws Exception {
        TestNode a = linkedThenHeartbeatShortened();
        clock.advance(400);
        assertEquals(PeerState.CONNECTED, a.engine.peer("127.0.0.3:7800").state,
            "without being told, the link keeps the check the old settings planned");
        // the monitor's service properties changed (what DS does on @Modified): the component calls this
        a.engine.healthSettingsChanged();
        long told = clock.wallClock();
        // 100 ms / 50 ms / 3: a ping now, missed at +50, pinged again at +100 and +200, the third miss at +250
        clock.advance(3 * 100 + 50);
        assertTrue(a.log.lines().stream().anyMatch(l -> l.contains("lost: TIMEOUT")), "detected within the new bound: "
            + a.engine.peer("127.0.0.3:7800").history);
        long lostAt = a.engine.peer("127.0.0.3:7800").history.stream().filter(t -> t.from == PeerState.CONNECTED)
            .mapToLong(t -> t.at).max().orElseThrow();
        assertTrue(lostAt - told <= 3 * 100 + 50, (lostAt - told) + " ms after the change");
    }
}
