package io.meshnode.core.internal.engine;

import static io.meshnode.api.testing.Configs.map;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.meshnode.api.config.ConfigValues;
import io.meshnode.api.mesh.PeerDTO;
import io.meshnode.api.mesh.PeerState;
import io.meshnode.api.topology.NodeRole;
import io.meshnode.api.transport.CloseReason;
import io.meshnode.api.transport.Connection;
import io.meshnode.api.transport.ConnectionHandler;
import io.meshnode.api.transport.Direction;
import io.meshnode.core.internal.security.Identity;
import io.meshnode.core.internal.wire.Protocol;

/**
 * Issue 19 in virtual time: admitted peers that try to exhaust a node (ping floods, link and peer-file growth)
 * and strangers that try to take a peer's place (squatters, changed keys, transport swaps). Transports
 * authenticate like TLS: each connection presents its side's key.
 */
class HostilePeerTest {
    @TempDir
    Path dir;
    private final VirtualScheduler clock = new VirtualScheduler();
    private final FakeNetwork net = new FakeNetwork(clock);

    HostilePeerTest() {
        net.presentedKey = handler -> handler.identity().getPublic();
    }

    private TestNode node(String name, String listen, Map<String, Object> cfg) throws Exception {
        TestNode n = new TestNode(clock, net, dir, name, listen);
        n.retry = TestNode.retryEvery(100);
        n.start(cfg, false);
        return n;
    }

    private static Map<String, Object> cfg(String admit, String peers, String... more) {
        Map<String, Object> m = map("peers", peers, "dial.grace", "50ms", "admit", admit, "ban.after", "3",
            "ban.window", "10s", "ban.time", "1m");
        for (int i = 0; i < more.length; i += 2) {
            m.put(more[i], more[i + 1]);
        }
        return m;
    }

    /** A client with a key of its own that speaks the mesh protocol: what it received, and whether it is open. */
    private final class Hostile implements ConnectionHandler {
        final Identity identity;
        final List<byte[]> received = new ArrayList<>();
        Connection connection;
        CloseReason closed;
        String closedDetail;
        private final BiConsumer<Hostile, Connection> onOpen;

        Hostile(String name, BiConsumer<Hostile, Connection> onOpen) throws Exception {
            this.identity = Identity.loadOrCreate(dir.resolve(name));
            this.onOpen = onOpen;
        }

        Hostile connect(TestNode target, String from) {
            net.transport().connect(target.listen, ConfigValues.parseEndpoint(from), this);
            clock.advance(10);
            return this;
        }

        byte[] hello(String claimedListen) {
            return Protocol.hello(identity.id(), NodeRole.MASTERNODE, ConfigValues.parseEndpoint(claimedListen));
        }

        String refusal() {
            for (byte[] f : received) {
                if (f[0] == Protocol.REFUSE) {
                    return new String(f, 3, f.length - 3, java.nio.charset.StandardCharsets.UTF_8);
                }
            }
            return null;
        }

        @Override
        public KeyPair identity() {
            return identity.keyPair();
        }

        @Override
        public void opened(Connection c) {
            connection = c;
            onOpen.accept(this, c);
        }

        @Override
        public void frame(Connection c, byte[] frame) {
            received.add(frame);
        }

        @Override
        public void closed(Connection c, CloseReason reason, String detail) {
            closed = reason;
            closedDetail = detail;
        }
    }

    // ------------------------------------------------------------------ nobody takes a peer's place

    @Test
    void aSquatterClaimingAConfiguredEndpointWhoseIdIsUnknownIsCheckedByADialAndRefused() throws Exception {
        TestNode b = node("b", "127.0.0.3:7800", cfg("any", ""));
        // a's peer at 127.0.0.3:7800 is configured by address only and a has never met it; a waits for the
        // designated dialer (a long grace), so the squatter comes first.
        TestNode a = node("a", "127.0.0.2:7800", cfg("any", "127.0.0.3:7800", "dial.grace", "1h"));
        Hostile squatter = new Hostile("squatter", (h, c) -> c.send(h.hello("127.0.0.3:7800"))).connect(a, "127.0.0.9:0");
        clock.advance(500);

        PeerDTO atA = a.engine.peer("127.0.0.3:7800");
        assertEquals(b.identity.id(), atA.id, "the endpoint is the real node's: " + atA.history);
        assertEquals(PeerState.CONNECTED, atA.state);
        assertEquals(1, a.engine.peers().size(), a.engine.peers()::toString);
        assertEquals("the node listening on 127.0.0.3:7800 is " + b.identity.id() + ", not " + squatter.identity.id(),
            squatter.refusal());
        assertEquals(b.identity.id(), a.known.id("127.0.0.3:7800"), "the real node's id is remembered");
        assertTrue(a.log.lines().stream().anyMatch(l -> l.contains("whose id is not known yet: dialing it to check")),
            a.log.lines()::toString);
    }

    @Test
    void theRealNodeDialingInToAConfiguredEndpointWhoseIdIsUnknownIsLinkedOnceTheDialVouchesForIt() throws Exception {
        TestNode a = node("a", "127.0.0.2:7800", cfg("any", "127.0.0.3:7800", "dial.grace", "1h"));
        TestNode b = node("b", "127.0.0.3:7800", cfg("any", "127.0.0.2:7800"));
        clock.advance(2_000);
        assertEquals(PeerState.CONNECTED, a.peer(b).state, a.peer(b).history::toString);
        assertEquals(PeerState.CONNECTED, b.peer(a).state, b.peer(a).history::toString);
        assertEquals(0, a.peer(b).consecutiveFailures);
        assertEquals(0, b.peer(a).consecutiveFailures);
        assertEquals(1, net.open(), "one link in the end");
        assertTrue(a.log.lines().stream().noneMatch(l -> l.contains("refusing")), a.log.lines()::toString);
    }

    /**
     * The real node dials in first (held), and the dial that checks its endpoint reaches it while it already holds its
     * own link: it says hello and closes that dial at once as a duplicate. The hello proved who listens there even
     * though the connection is gone by the time it is handled, so the held connection is linked at once — not left
     * waiting for the hold's timeout while the other side counts it as its live link (seen between eight node
     * processes: the side that held it dialed again after its grace, and the link was replaced).
     */
    @Test
    void theHeldConnectionIsLinkedWhenTheVouchingDialIsClosedRightAfterItsHello() throws Exception {
        TestNode b = node("b", "127.0.0.3:7800", cfg("any", "127.0.0.2:7800", "dial.grace", "1h"));
        InetSocketAddress aListen = ConfigValues.parseEndpoint("127.0.0.2:7800");
        Hostile answering = new Hostile("a", (h, c) -> {
            c.send(h.hello("127.0.0.2:7800"));
            c.send(Protocol.goodbye(CloseReason.DUPLICATE.name(), "duplicate connection, keeping the one it dialed"));
            c.close(CloseReason.DUPLICATE, "duplicate connection");
        });
        net.listening.put(aListen, answering);
        Hostile dialing = new Hostile("a", (h, c) -> c.send(h.hello("127.0.0.2:7800"))).connect(b, "127.0.0.2:0");
        clock.advance(200);

        PeerDTO atB = b.engine.peer("127.0.0.2:7800");
        assertEquals(PeerState.CONNECTED, atB.state, atB.history::toString);
        assertEquals(dialing.identity.id(), atB.id);
        assertEquals(Direction.INBOUND, atB.direction, "the connection a dialed is the link");
        assertNull(dialing.closed, "and stays open: " + dialing.closedDetail);
        assertEquals(0, atB.consecutiveFailures);
    }

    @Test
    void aDifferentKeyAtALearnedEndpointIsRefusedWithAWarningUntilAnOperatorPinsIt() throws Exception {
        TestNode b = node("b", "127.0.0.3:7800", cfg("any", ""));
        TestNode a = node("a", "127.0.0.2:7800", cfg("any", "127.0.0.3:7800"));
        clock.advance(500);
        assertEquals(b.identity.id(), a.peer(b).id);
        String first = b.identity.id();

        // Another node (another key) now listens at b's endpoint.
        b.engine.stop();
        b.engine.release(b.transport);
        clock.advance(100);
        TestNode other = node("other", "127.0.0.3:7800", cfg("any", ""));
        a.engine.reconnect("127.0.0.3:7800");
        clock.advance(1_000);
        PeerDTO atA = a.engine.peer("127.0.0.3:7800");
        assertEquals(first, atA.id, "still bound to the key first met there");
        assertFalse(atA.state == PeerState.CONNECTED, atA::toString);
        String fix = "mesh:connect " + other.identity.id() + "@127.0.0.3:7800";
        assertTrue(a.log.lines().stream().anyMatch(l -> l.startsWith("WARN refusing") && l.contains("expected node " + first)
            && l.contains(fix)), a.log.lines()::toString);

        // The operator accepts the new key (mesh:connect writes the pin into peers).
        a.configure(cfg("any", other.pin()));
        clock.advance(1_000);
        atA = a.engine.peer("127.0.0.3:7800");
        assertEquals(PeerState.CONNECTED, atA.state, atA.history::toString);
        assertEquals(other.identity.id(), atA.id);
        assertEquals(other.identity.id(), a.known.id("127.0.0.3:7800"));
    }

    @Test
    void aTransportSwapRedialsConfiguredPeersOnlyNotTheEndpointsThatDialedInNodesClaimed() throws Exception {
        TestNode b = node("b", "127.0.0.3:7800", cfg("any", ""));
        TestNode a = node("a", "127.0.0.2:7800", cfg("any", "127.0.0.3:7800"));
        TestNode c = node("c", "127.0.0.4:7800", cfg("any", "127.0.0.2:7800"));
        clock.advance(1_000);
        assertEquals(PeerState.CONNECTED, a.peer(b).state);
        assertEquals(PeerState.CONNECTED, a.peer(c).state);
        assertFalse(a.peer(c).configured);
        int before = net.connections.size();

        a.transport = net.transport();
        a.engine.servicesChanged();
        clock.advance(30);
        List<InetSocketAddress> dialed = net.connections.subList(before, net.connections.size()).stream()
            .filter(x -> x.direction == io.meshnode.api.transport.Direction.OUTBOUND && x.local.getAddress()
                .equals(a.listen.getAddress()))
            .map(x -> x.remote).toList();
        assertEquals(List.of(b.listen), dialed, "a dials its configured peer, not the endpoint c claimed");
        clock.advance(1_000);
        assertEquals(PeerState.CONNECTED, a.peer(b).state);
    }

    // ------------------------------------------------------------------ no peer exhausts a node

    @Test
    void pingsBeyondTheSaneRateCloseTheLinkAsAnOffenceWhileAFastHeartbeatIsAnswered() throws Exception {
        TestNode a = node("a", "127.0.0.2:7800", cfg("any", ""));
        clock.advance(100);
        Hostile steady = new Hostile("steady", (h, c) -> c.send(h.hello("127.0.0.8:7800"))).connect(a, "127.0.0.8:0");
        // A heartbeat every 30 ms (the fastest in use) for ten seconds: every ping answered.
        for (int i = 0; i < 333; i++) {
            steady.connection.send(Protocol.ping(i, 0));
            clock.advance(30);
        }
        long pongs = steady.received.stream().filter(f -> f[0] == Protocol.PONG).count();
        assertEquals(333, pongs);
        assertNull(steady.closed);

        Hostile flood = new Hostile("flood", (h, c) -> {
            c.send(h.hello("127.0.0.9:7800"));
            for (int i = 0; i < 10_000; i++) {
                c.send(Protocol.ping(i, 0));
            }
        }).connect(a, "127.0.0.9:0");
        clock.advance(100);
        long answered = flood.received.stream().filter(f -> f[0] == Protocol.PONG).count();
        assertTrue(answered <= FrameDispatcher.PING_BURST, answered + " pongs");
        assertEquals(CloseReason.REMOTE_CLOSED, flood.closed);
        assertTrue(a.log.lines().stream().anyMatch(l -> l.contains("too many pings: more than 100 a second")),
            a.log.lines()::toString);
        assertEquals(1, a.engine.node().offences);
        assertNull(steady.closed, "the other link stays");
    }

    @Test
    void nodesThatAreNotConfiguredGetAtMostLinksPerAddressAndLeaveRoomForConfiguredPeers() throws Exception {
        TestNode a = node("a", "127.0.0.2:7800", cfg("any", "127.0.0.3:7800", "links.max", "3", "links.per.address", "2",
            "dial.grace", "1h"));
        clock.advance(100);
        List<Hostile> from66 = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            int port = 7000 + i;
            from66.add(new Hostile("h" + i, (h, c) -> c.send(h.hello("127.0.0.66:" + port))).connect(a, "127.0.0.66:0"));
        }
        clock.advance(100);
        assertNull(from66.get(0).refusal());
        assertNull(from66.get(1).refusal());
        assertEquals("too many links from 127.0.0.66: 2 reach links.per.address 2", from66.get(2).refusal());

        // links.max 3: two links, and the configured peer 127.0.0.3 without one keeps its room.
        Hostile other = new Hostile("other", (h, c) -> c.send(h.hello("127.0.0.67:7000"))).connect(a, "127.0.0.67:0");
        clock.advance(100);
        assertEquals("too many links: 2 links and 1 configured peers without one reach links.max 3", other.refusal());
        TestNode b = node("b", "127.0.0.3:7800", cfg("any", "127.0.0.2:7800"));
        clock.advance(1_000);
        assertEquals(PeerState.CONNECTED, a.peer(b).state, "the configured peer finds its room");
    }

    @Test
    void idsAreRememberedForConfiguredEndpointsOnlyNotForEndpointsThatNodesDialingInClaim() throws Exception {
        TestNode b = node("b", "127.0.0.3:7800", cfg("any", ""));
        TestNode a = node("a", "127.0.0.2:7800", cfg("any", "127.0.0.3:7800"));
        clock.advance(500);
        for (int i = 0; i < 3; i++) {
            int port = 7000 + i;
            new Hostile("claimer" + i, (h, c) -> c.send(h.hello("10.9.9.9:" + port))).connect(a, "127.0.0." + (70 + i) + ":0");
        }
        clock.advance(500);
        assertEquals(4, a.engine.peers().size(), "linked under admit = any");
        assertEquals(1, a.known.size(), "only the configured endpoint is remembered");
        assertEquals(b.identity.id(), a.known.id("127.0.0.3:7800"));
    }

    // ------------------------------------------------------------------ bans

    @Test
    void aBanShowsWhetherItsIdWasProvenAndUnbanByIdMatchesProvenIdsOnly() throws Exception {
        TestNode a = node("a", "127.0.0.2:7800", cfg("peers", ""));
        TestNode victim = new TestNode(clock, net, dir, "victim", "127.0.0.5:7800");
        // Plain transports: a hello claims an id that nothing proves; garbage after it is an offence.
        net.presentedKey = null;
        for (int i = 0; i < 3; i++) {
            new Hostile("liar", (h, c) -> {
                c.send(Protocol.hello(victim.identity.id(), NodeRole.MASTERNODE, victim.listen));
            }).connect(a, "127.0.0.66:0");
        }
        clock.advance(100);
        var ban = a.engine.bans().get(0);
        assertEquals(victim.identity.id(), ban.claimedId);
        assertFalse(ban.idProven);
        assertTrue(a.engine.unban(victim.identity.id()).isEmpty(), "a claimed id does not lift the ban");
        assertEquals(1, a.engine.bans().size());

        net.presentedKey = handler -> handler.identity().getPublic();
        for (int i = 0; i < 3; i++) {
            new Hostile("prover", (h, c) -> c.send(h.hello("127.0.0.67:7800"))).connect(a, "127.0.0.67:0");
        }
        clock.advance(100);
        var proven = a.engine.bans().stream().filter(x -> x.address.equals("127.0.0.67")).findFirst().orElseThrow();
        assertTrue(proven.idProven);
        assertEquals(1, a.engine.unban(proven.claimedId.substring(0, 8)).size());
    }

    @Test
    void garbageFromTheAddressOfAConfiguredPeerDoesNotBanItBeforeItsKeyIsJudged() throws Exception {
        TestNode a = node("a", "127.0.0.2:7800", cfg("any", "127.0.0.3:7800", "dial.grace", "1h"));
        clock.advance(100);
        for (int i = 0; i < 5; i++) {
            new Hostile("neighbour", (h, c) -> c.send(new byte[] {99})).connect(a, "127.0.0.3:0");
            new Hostile("stranger", (h, c) -> c.send(new byte[] {99})).connect(a, "127.0.0.66:0");
        }
        clock.advance(100);
        assertEquals(List.of("127.0.0.66"), a.engine.bans().stream().map(x -> x.address).toList());
        TestNode b = node("b", "127.0.0.3:7800", cfg("any", "127.0.0.2:7800"));
        clock.advance(2_000);
        assertEquals(PeerState.CONNECTED, a.peer(b).state, "the peer's address was never banned");
    }
}
