package io.meshnode.core.internal.engine;

import static io.meshnode.api.testing.Configs.map;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.meshnode.api.mesh.PeerState;
import io.meshnode.api.retry.RetryDecision;
import io.meshnode.api.retry.RetryPolicy;
import io.meshnode.api.topology.NodeRole;
import io.meshnode.core.internal.wire.Protocol;

/** The hello negotiates: versions, capabilities, frame.max and the topology's name, in virtual time. */
class NegotiationTest {
    @TempDir
    Path dir;

    private final VirtualScheduler clock = new VirtualScheduler();
    private final FakeNetwork net = new FakeNetwork(clock);

    private TestNode node(String name, String listen, String peers, int min, int max) throws Exception {
        TestNode n = new TestNode(clock, net, dir, name, listen);
        n.retry = new RetryPolicy() {
            @Override
            public RetryDecision next(NodeRole role, int failures, Duration previous) {
                return RetryDecision.retryAfter(Duration.ofMillis(100));
            }

            @Override
            public Duration stableAfter() {
                return Duration.ofSeconds(1);
            }
        };
        n.start(map("peers", peers, "dial.grace", "50ms", "admit", "any"), false);
        n.engine.announce(min, max, Protocol.CAPABILITIES | (max > Protocol.VERSION ? 2L : 0));
        return n;
    }

    /** Sends a raw frame from {@code from}'s side of its open connection. */
    private void sendRaw(TestNode from, byte[] frame) {
        FakeNetwork.FakeConnection c = net.connections.stream()
            .filter(x -> x.open && x.local.getAddress().equals(from.listen.getAddress()))
            .findFirst().orElseThrow();
        c.send(frame);
    }

    @Test
    void aNodeOfTheNextProtocolVersionLinksWithTodaysAndItsNewFramesAreSkipped() throws Exception {
        TestNode today = node("today", "127.0.0.2:7800", "127.0.0.3:7800", Protocol.MIN_VERSION, Protocol.VERSION);
        TestNode next = node("next", "127.0.0.3:7800", "127.0.0.2:7800", Protocol.MIN_VERSION, Protocol.VERSION + 1);
        clock.advance(500);
        assertEquals(PeerState.CONNECTED, today.peer(next).state);
        assertEquals(PeerState.CONNECTED, next.peer(today).state);
        sendRaw(next, new byte[] {42, 1, 2, 3}); // a frame type of the next version
        clock.advance(100);
        assertEquals(PeerState.CONNECTED, today.peer(next).state, "skipped, not an offence");
        assertTrue(today.engine.bans().isEmpty());
        today.engine.send("127.0.0.3:7800", "t", new byte[] {1});
        clock.advance(10);
        assertEquals("t:\u0001", next.messages.get(0));
    }

    @Test
    void anUnknownFrameFromAPeerOfTheSameVersionIsAProtocolError() throws Exception {
        TestNode a = node("a", "127.0.0.2:7800", "127.0.0.3:7800", Protocol.MIN_VERSION, Protocol.VERSION);
        TestNode b = node("b", "127.0.0.3:7800", "127.0.0.2:7800", Protocol.MIN_VERSION, Protocol.VERSION);
        clock.advance(500);
        sendRaw(b, new byte[] {42, 1, 2, 3});
        clock.advance(5);
        assertTrue(a.log.lines().stream().anyMatch(l -> l.contains("protocol error") && l.contains("unknown frame type 42")),
            a.log.lines()::toString);
    }

    @Test
    void nodesWithoutACommonVersionRefuseWithTheReason() throws Exception {
        TestNode a = node("a", "127.0.0.2:7800", "127.0.0.3:7800", Protocol.MIN_VERSION, Protocol.VERSION);
        TestNode future = node("future", "127.0.0.3:7800", "127.0.0.2:7800", Protocol.VERSION + 1, Protocol.VERSION + 1);
        clock.advance(500);
        assertTrue(a.log.lines().stream().anyMatch(l -> l.contains("protocol version " + (Protocol.VERSION + 1)
            + " is not supported; this node speaks version")), a.log.lines()::toString);
        assertTrue(future.peer(a).state != PeerState.CONNECTED);
    }

    @Test
    void aMessageOverTheSmallerFrameMaxFailsLocallyAndTheLinkStays() throws Exception {
        TestNode a = node("a", "127.0.0.2:7800", "127.0.0.3:7800", Protocol.MIN_VERSION, Protocol.VERSION);
        TestNode b = node("b", "127.0.0.3:7800", "127.0.0.2:7800", Protocol.MIN_VERSION, Protocol.VERSION);
        net.frameMax = 8_192;
        clock.advance(500);
        CompletableFuture<Void> big = a.engine.send("127.0.0.3:7800", "t", new byte[10_000]).toCompletableFuture();
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, big::get);
        assertInstanceOf(IllegalArgumentException.class, e.getCause());
        assertTrue(e.getCause().getMessage().contains("over the frame.max of 8192 agreed with peer"), e.getCause().getMessage());
        clock.advance(100);
        assertEquals(PeerState.CONNECTED, a.peer(b).state);
        assertTrue(a.engine.send("127.0.0.3:7800", "t", new byte[8_000]).toCompletableFuture().isDone());
        clock.advance(10);
        assertEquals(1, b.messages.size());
        assertTrue(a.engine.bans().isEmpty() && b.engine.bans().isEmpty());
    }

    @Test
    void theHelloAnnouncesTheAdvertisedAddress() throws Exception {
        TestNode b = node("b", "127.0.0.3:7800", "", Protocol.MIN_VERSION, Protocol.VERSION);
        TestNode a = new TestNode(clock, net, dir, "a", "127.0.0.2:7800");
        a.retry = b.retry;
        a.start(map("peers", "127.0.0.3:7800", "dial.grace", "50ms", "admit", "any", "advertise", "127.0.5.5:7800"), false);
        clock.advance(500);
        assertEquals("127.0.5.5:7800", a.engine.node().listen);
        assertEquals(PeerState.CONNECTED, a.engine.peer("127.0.0.3:7800").state);
        assertEquals(PeerState.CONNECTED, b.engine.peer("127.0.5.5:7800").state, "b knows a by its advertised address");
    }
}
