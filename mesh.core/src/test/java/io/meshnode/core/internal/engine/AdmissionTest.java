package io.meshnode.core.internal.engine;

import io.meshnode.core.internal.config.KnownPeers;
import io.meshnode.core.internal.security.Identity;
import io.meshnode.core.internal.security.Security;
import io.meshnode.core.internal.wire.Protocol;
import io.meshnode.core.internal.wire.ProtocolException;

import static io.meshnode.api.testing.Configs.map;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.meshnode.api.config.ConfigValues;
import io.meshnode.api.mesh.BanDTO;
import io.meshnode.api.mesh.PeerDTO;
import io.meshnode.api.mesh.PeerState;
import io.meshnode.api.retry.RetryDecision;
import io.meshnode.api.retry.RetryPolicy;
import io.meshnode.api.topology.NodeRole;
import io.meshnode.api.transport.CloseReason;
import io.meshnode.api.transport.Connection;
import io.meshnode.api.transport.ConnectionHandler;

/** Key-to-id binding, admission and bans, over the in-memory network in virtual time. */
class AdmissionTest {
    @TempDir
    Path dir;

    private final VirtualScheduler clock = new VirtualScheduler();
    private final FakeNetwork net = new FakeNetwork(clock);

    /** One engine with the built-in topology, a fixed 100ms retry and no health monitor. */
    private final class Node extends TestNode {
        Node(String name, String listen, String admit, String peers) throws Exception {
            super(AdmissionTest.this.clock, net, dir, name, listen);
            known = new KnownPeers(null);
            retry = new RetryPolicy() {
                @Override
                public RetryDecision next(NodeRole role, int failures, Duration previous) {
                    return RetryDecision.retryAfter(Duration.ofMillis(100));
                }

                @Override
                public Duration stableAfter() {
                    return Duration.ofSeconds(1);
                }
            };
            start(cfg(admit, peers), false);
        }

        /** Applies a changed etc/meshnode.mesh.cfg, as the component does on a configuration update. */
        void configure(String admit, String peers) {
            configure(cfg(admit, peers));
        }

        private Map<String, Object> cfg(String admit, String peers) {
            return map("peers", peers, "dial.grace", "50ms", "admit", admit, "ban.after", "3", "ban.window", "10s",
                "ban.time", "1m");
        }
    }

    private void tls() {
        net.presentedKey = handler -> handler.identity().getPublic();
    }

    @Test
    void underAdmitPeersAnUnpinnedNodeIsRefusedWithAReasonAndNeverBecomesAPeer() throws Exception {
        tls();
        Node a = new Node("a", "127.0.0.2:7800", "peers", "");
        Node b = new Node("b", "127.0.0.3:7800", "any", "127.0.0.2:7800");
        clock.advance(500);
        assertTrue(a.engine.peers().isEmpty(), "never a peer entry: " + a.engine.peers());
        assertTrue(b.log.lines().stream().anyMatch(l -> l.contains("refused the connection: node " + b.identity.id()
            + " is not admitted: admit = peers and its id is not pinned in peers (pin it as " + b.identity.id()
            + "@127.0.0.3:7800, or set admit = any)")), b.log.lines()::toString);
        // b keeps dialing and is refused each time: after ban.after (3) refusals its address is banned.
        assertEquals("REFUSED: not admitted", a.engine.bans().get(0).reason);
        assertEquals(b.identity.id(), a.engine.bans().get(0).claimedId);
        assertEquals(CloseReason.CONNECT_FAILED, b.engine.peer("127.0.0.2:7800").lastCloseReason);
        assertTrue(a.log.lines().stream().anyMatch(l -> l.startsWith("WARN refusing 127.0.0.3:") && l.contains(b.identity.id())),
            a.log.lines()::toString);
    }

    @Test
    void aPinnedNodeIsAdmittedUnderPeersAndAnyNodeUnderAnyAndTheConsoleSaysHow() throws Exception {
        tls();
        Node b = new Node("b", "127.0.0.3:7800", "any", "");
        Node a = new Node("a", "127.0.0.2:7800", "peers", b.pin());
        clock.advance(500);
        PeerDTO atA = a.engine.peer("127.0.0.3:7800");
        assertEquals(PeerState.CONNECTED, atA.state);
        assertEquals("plain, key proves the id, pinned id", atA.authentication);
        assertEquals(Identity.fingerprint(b.identity.publicKey()), atA.keyFingerprint);
        PeerDTO atB = b.engine.peer("127.0.0.2:7800");
        assertEquals("plain, key proves the id, admit = any", atB.authentication);
        var node = a.engine.node();
        assertTrue(node.tls);
        assertEquals("peers", node.admit);
        assertTrue(node.warnings.isEmpty());
        assertTrue(node.keyFingerprint.startsWith("SHA256:") && node.keyFingerprint.length() == 7 + 43, node.keyFingerprint);
    }

    @Test
    void aKeyThatDoesNotDeriveToTheClaimedIdIsRefused() throws Exception {
        PublicKey foreign = KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic();
        Node b = new Node("b", "127.0.0.3:7800", "any", "");
        // b's connections present a key of somebody else: an impostor claiming b's id.
        net.presentedKey = handler -> handler.identity().getPublic().equals(b.identity.publicKey()) ? foreign
            : handler.identity().getPublic();
        Node a = new Node("a", "127.0.0.2:7800", "any", b.pin());
        clock.advance(500);
        PeerDTO atA = a.engine.peer("127.0.0.3:7800");
        assertFalse(atA.state == PeerState.CONNECTED);
        assertEquals(CloseReason.REFUSED, atA.lastCloseReason);
        assertTrue(a.log.lines().stream().anyMatch(l -> l.contains("node claims id " + b.identity.id()
            + " but its TLS key derives to " + Identity.idOf(foreign))), a.log.lines()::toString);
    }

    @Test
    void plainTransportsClaimIdsWithoutProofAndTheNodeWarns() throws Exception {
        Node b = new Node("b", "127.0.0.3:7800", "any", "");
        Node a = new Node("a", "127.0.0.2:7800", "any", "127.0.0.3:7800");
        clock.advance(500);
        assertEquals("plain, id claimed, not verified, admit = any", a.engine.peer("127.0.0.3:7800").authentication);
        assertNull(a.engine.peer("127.0.0.3:7800").keyFingerprint);
        assertFalse(a.engine.node().tls);
        assertEquals(List.of(Security.PLAIN_WARNING), b.engine.node().warnings);
    }

    /** Opens a connection from {@code from} and sends one frame as soon as it is open. */
    private void misbehave(Node target, String from, byte[] frame) {
        misbehave(target, from, connection -> connection.send(frame));
    }

    /** Opens a connection from {@code from} and does {@code onOpen} with it as soon as it is open. */
    private void misbehave(Node target, String from, java.util.function.Consumer<Connection> onOpen) {
        CompletableFuture<Connection> c = net.transport().connect(target.listen, ConfigValues.parseEndpoint(from),
            new ConnectionHandler() {
                @Override
                public void opened(Connection connection) {
                    onOpen.accept(connection);
                }

                @Override
                public void frame(Connection connection, byte[] f) {}

                @Override
                public void closed(Connection connection, CloseReason reason, String detail) {}
            }).toCompletableFuture();
        clock.advance(50);
        assertTrue(c.isDone());
    }

    @Test
    void repeatOffendersAreBannedUntilTheBanExpiresOrAnOperatorLiftsIt() throws Exception {
        Node a = new Node("a", "127.0.0.2:7800", "any", "");
        clock.advance(100);
        for (int i = 0; i < 3; i++) {
            misbehave(a, "127.0.0.66:0", new byte[] {99, 1, 2});
        }
        List<BanDTO> bans = a.engine.bans();
        assertEquals(1, bans.size(), bans::toString);
        assertEquals("127.0.0.66", bans.get(0).address);
        assertEquals(3, bans.get(0).offences);
        assertEquals("PROTOCOL_ERROR: frame type 99 before the hello", bans.get(0).reason);
        assertEquals(clock.wallClock() + 60_000, bans.get(0).until, 200);
        assertTrue(a.log.lines().stream().anyMatch(l -> l.startsWith("WARN banning 127.0.0.66 until")), a.log.lines()::toString);
        int before = net.connections.size();
        misbehave(a, "127.0.0.66:0", new byte[] {99});
        assertEquals(before, net.connections.size(), "closed at once: no connection was opened");

        assertThrows(IllegalArgumentException.class, () -> a.engine.unban("x"));
        assertTrue(a.engine.unban("127.0.0.77").isEmpty());
        assertEquals("127.0.0.66", a.engine.unban("127.0.0.66:7800").get(0).address);
        assertTrue(a.engine.bans().isEmpty());

        for (int i = 0; i < 3; i++) {
            misbehave(a, "127.0.0.66:0", new byte[] {99});
        }
        assertEquals(1, a.engine.bans().size());
        clock.advance(60_001);
        assertTrue(a.engine.bans().isEmpty(), "expired");
    }

    @Test
    void pinningTheIdAlreadyLearnedPinsIt() throws Exception {
        tls();
        Node b = new Node("b", "127.0.0.3:7800", "any", "");
        Node a = new Node("a", "127.0.0.2:7800", "any", "127.0.0.3:7800");
        clock.advance(500);
        assertEquals(b.identity.id(), a.engine.peer("127.0.0.3:7800").id);
        assertFalse(a.engine.peer("127.0.0.3:7800").pinned);

        a.configure("any", b.pin());
        clock.advance(100);
        PeerDTO atA = a.engine.peer("127.0.0.3:7800");
        assertTrue(atA.pinned, "pinned although the id was known already");
        assertEquals(PeerState.CONNECTED, atA.state, "the link to the pinned node stays up");
    }

    @Test
    void anInboundNodeCannotTakeOverTheEndpointOfAnotherNode() throws Exception {
        tls();
        Node b = new Node("b", "127.0.0.3:7800", "any", "");
        Node a = new Node("a", "127.0.0.2:7800", "any", "127.0.0.3:7800");
        clock.advance(500);
        assertEquals(PeerState.CONNECTED, a.engine.peer("127.0.0.3:7800").state);

        // A node with a valid key of its own, at another address, claims to listen where b does.
        Identity impostor = Identity.loadOrCreate(dir.resolve("impostor"));
        net.presentedKey = handler -> handler.identity() != null ? handler.identity().getPublic() : impostor.publicKey();
        misbehave(a, "127.0.0.9:0", Protocol.hello(impostor.id(), NodeRole.MASTERNODE, b.listen));
        clock.advance(100);

        PeerDTO atA = a.engine.peer("127.0.0.3:7800");
        assertEquals(b.identity.id(), atA.id, "the endpoint keeps its node");
        assertEquals(Identity.fingerprint(b.identity.publicKey()), atA.keyFingerprint);
        assertEquals(PeerState.CONNECTED, atA.state);
        assertEquals(1, a.engine.peers().size(), a.engine.peers()::toString);
        assertTrue(a.log.lines().stream().anyMatch(l -> l.contains("is known as " + b.identity.id() + ", not " + impostor.id())),
            a.log.lines()::toString);
    }

    @Test
    void narrowingAdmissionClosesTheLinksItNoLongerAdmits() throws Exception {
        tls();
        Node b = new Node("b", "127.0.0.3:7800", "any", "");
        Node c = new Node("c", "127.0.0.4:7800", "any", "");
        Node a = new Node("a", "127.0.0.2:7800", "any", b.pin() + ", 127.0.0.4:7800");
        clock.advance(500);
        assertEquals(PeerState.CONNECTED, a.engine.peer("127.0.0.3:7800").state);
        assertEquals(PeerState.CONNECTED, a.engine.peer("127.0.0.4:7800").state);

        a.configure("peers", b.pin() + ", 127.0.0.4:7800");
        clock.advance(500);
        assertEquals(PeerState.CONNECTED, a.engine.peer("127.0.0.3:7800").state, "pinned: kept");
        PeerDTO unpinned = a.engine.peer("127.0.0.4:7800");
        assertFalse(unpinned.state == PeerState.CONNECTED, unpinned::toString);
        assertTrue(a.log.lines().stream().anyMatch(l -> l.contains("no longer admitted")), a.log.lines()::toString);
    }

    @Test
    void pinningEveryPeerAndNarrowingAdmissionInOneEditClosesNothing() throws Exception {
        tls();
        Node b = new Node("b", "127.0.0.3:7800", "any", "");
        Node a = new Node("a", "127.0.0.2:7800", "any", "127.0.0.3:7800");
        clock.advance(500);
        assertEquals(PeerState.CONNECTED, a.engine.peer("127.0.0.3:7800").state);
        long since = a.engine.peer("127.0.0.3:7800").connectedSince;

        a.configure("peers", b.pin());
        clock.advance(500);
        PeerDTO atA = a.engine.peer("127.0.0.3:7800");
        assertEquals(PeerState.CONNECTED, atA.state);
        assertEquals(since, atA.connectedSince, "the same link: never closed");

        // And back: unpinning and widening to admit = any in one edit.
        a.configure("any", "127.0.0.3:7800");
        clock.advance(500);
        atA = a.engine.peer("127.0.0.3:7800");
        assertFalse(atA.pinned);
        assertEquals(since, atA.connectedSince, "still the same link");
        assertTrue(a.log.lines().stream().noneMatch(l -> l.contains("no longer admitted")), a.log.lines()::toString);
    }

    @Test
    void refusalsAndGoodbyesBeforeAHelloAndAbandonedHandshakesAreOffences() throws Exception {
        Node a = new Node("a", "127.0.0.2:7800", "any", "");
        clock.advance(100);
        misbehave(a, "127.0.0.66:0", Protocol.refuse("no\nERROR [mesh.core] forged line"));
        misbehave(a, "127.0.0.66:0", Protocol.goodbye("ADMIN", "bye"));
        misbehave(a, "127.0.0.66:0", connection -> connection.close(CloseReason.ADMIN, "gone")); // abandoned
        clock.advance(50);
        List<BanDTO> bans = a.engine.bans();
        assertEquals(1, bans.size(), () -> bans + "\n" + a.log.lines());
        assertEquals(3, bans.get(0).offences);
        // What a peer writes reaches the log escaped: it cannot start a line of its own.
        assertTrue(a.log.lines().stream().anyMatch(l -> l.contains("refused the connection: no\\u000aERROR [mesh.core] forged line")),
            a.log.lines()::toString);
        assertTrue(a.log.lines().stream().noneMatch(l -> l.contains("\n")), a.log.lines()::toString);
    }

    /**
     * A dial abandoned while TCP connected (its peer was removed from the configuration meanwhile) still says hello
     * before its goodbye: to the node it reached, which does not know it, a goodbye before the hello would be an
     * offence, and five in a window would ban an honest node that only dials in.
     */
    @Test
    void aDialAbandonedWhileConnectingSaysHelloBeforeItsGoodbyeAndIsNoOffence() throws Exception {
        net.latency = 50;
        Node b = new Node("b", "127.0.0.3:7800", "any", "");
        Node a = new Node("a", "127.0.0.2:7800", "any", "127.0.0.3:7800");
        for (int i = 0; i < 500 && a.peer(b).state != PeerState.CONNECTING; i++) {
            clock.advance(1);
        }
        assertEquals(PeerState.CONNECTING, a.peer(b).state, "a dials b");
        a.configure("any", ""); // b removed while a's dial connects
        clock.advance(500);
        assertEquals(0, b.engine.node().offences, b.log.lines()::toString);
        assertTrue(b.engine.bans().isEmpty());
        assertTrue(b.engine.peers().isEmpty(), "nothing remembered of a node that only dialed in: " + b.engine.peers());
        assertEquals(0, net.open());
    }

    @Test
    void aHelloWhoseIdIsNotANodeIdIsAProtocolError() {
        InetSocketAddress listen = ConfigValues.parseEndpoint("127.0.0.2:7800");
        for (String id : List.of("x", "A".repeat(40), "0".repeat(39), "0".repeat(41), "0".repeat(39) + "\n")) {
            ProtocolException e = assertThrows(ProtocolException.class,
                () -> Protocol.parseHello(Protocol.hello(id, NodeRole.MASTERNODE, listen)), id);
            assertTrue(e.getMessage().startsWith("invalid node id"), e.getMessage());
        }
        assertEquals("0".repeat(40), assertDoesNotThrow(
            () -> Protocol.parseHello(Protocol.hello("0".repeat(40), NodeRole.MASTERNODE, listen))).id());
    }

    @Test
    void aReferenceIsAnIdAUniqueIdPrefixOrAnAddressAndAnythingElseSaysWhichPeersExist() throws Exception {
        String one = "abcd" + "1".repeat(36);
        String two = "abcd" + "2".repeat(36);
        Node a = new Node("a", "127.0.0.2:7800", "peers", one + "@127.0.0.5:7800, " + two + "@127.0.0.6:7800");
        assertEquals("127.0.0.5:7800", a.engine.peer(one).address);
        assertEquals("127.0.0.6:7800", a.engine.peer("ABCD2").address, "a prefix, in any case");
        assertEquals(one, a.engine.peer("127.0.0.5:7800").id);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.engine.peer("abcd"));
        assertTrue(e.getMessage().startsWith("'abcd' is ambiguous: matches ") && e.getMessage().contains("127.0.0.5:7800")
            && e.getMessage().contains("127.0.0.6:7800"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> a.engine.reconnect("ffff"));
        assertEquals("no peer matches 'ffff' (known: abcd11111111@127.0.0.5:7800, abcd22222222@127.0.0.6:7800)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> a.engine.peer("abc"));
        assertTrue(e.getMessage().contains("too short"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> a.engine.peer("127.0.0.7:7800"));
        assertTrue(e.getMessage().startsWith("no peer at 127.0.0.7:7800 (known: "), e.getMessage());
    }

    @Test
    void offencesOutsideTheWindowDoNotAddUp() throws Exception {
        Node a = new Node("a", "127.0.0.2:7800", "any", "");
        for (int i = 0; i < 5; i++) {
            misbehave(a, "127.0.0.66:0", new byte[] {99});
            clock.advance(6_000);
        }
        assertTrue(a.engine.bans().isEmpty());
    }
}
