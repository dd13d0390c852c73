package io.meshnode.core.internal.engine;

import static io.meshnode.api.testing.Configs.map;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.meshnode.api.mesh.PeerState;
import io.meshnode.api.transport.OverBudgetException;

/**
 * Application data leaves from the sender's thread through the live links the mesh thread publishes ({@link Routes}):
 * the view follows every change of a peer's live link, order survives a link replacement, and the contract's
 * failures (budget, not connected) are what they were, in virtual time.
 */
class RoutesTest {
    @TempDir
    Path dir;

    private final VirtualScheduler clock = new VirtualScheduler();
    private final FakeNetwork net = new FakeNetwork(clock);

    private TestNode node(String name, String listen, String peers) throws Exception {
        TestNode n = new TestNode(clock, net, dir, name, listen);
        n.retry = TestNode.retryEvery(100);
        n.start(map("peers", peers, "dial.grace", "50ms", "admit", "any"), false);
        return n;
    }

    private TestNode a;
    private TestNode b;

    /** Starts a (127.0.0.2) and b (127.0.0.3) and links them. */
    private void linked() throws Exception {
        a = node("a", "127.0.0.2:7800", "127.0.0.3:7800");
        b = node("b", "127.0.0.3:7800", "127.0.0.2:7800");
        clock.advance(500);
    }

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Throwable failure(CompletionStage<Void> stage) {
        CompletableFuture<Void> f = stage.toCompletableFuture();
        assertTrue(f.isDone(), "failed at once");
        try {
            f.get();
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("the send succeeded");
    }

    @Test
    void aSendByWholeIdGoesStraightToTheLiveLinkAndOneByPrefixOrAddressIsResolvedFirst() throws Exception {
        linked();
        String id = b.identity.id();
        CompletionStage<Void> direct = a.engine.sendDirect(id, "t", text("1"));
        assertNotNull(direct, "a connected peer's whole id needs no lookup on the mesh thread");
        assertTrue(direct.toCompletableFuture().isDone() && !direct.toCompletableFuture().isCompletedExceptionally());
        assertNull(a.engine.sendDirect(id.substring(0, 8), "t", text("x")), "a prefix is the mesh thread's to resolve");
        assertNull(a.engine.sendDirect("127.0.0.3:7800", "t", text("x")));
        assertEquals(id, a.engine.connectedId(id.substring(0, 8)));
        assertEquals(id, a.engine.connectedId("127.0.0.3:7800"));
        a.engine.send("127.0.0.3:7800", "t", text("2"));
        a.engine.broadcast("t", text("3"));
        clock.advance(10);
        assertEquals(List.of("t:1", "t:2", "t:3"), b.messages);
        assertEquals(3, a.peer(b).messagesOut);
        assertEquals(3, b.peer(a).messagesIn);
        IllegalArgumentException bad = assertInstanceOf(IllegalArgumentException.class,
            failure(a.engine.sendDirect(id, "", text("x"))));
        assertTrue(bad.getMessage().startsWith("topic must be"), bad.getMessage());
    }

    @Test
    void theViewFollowsTheLiveLinkThroughAReconnectAndOrderSurvivesTheReplacement() throws Exception {
        linked();
        String id = b.identity.id();
        a.engine.sendDirect(id, "t", text("1"));
        a.engine.reconnect("127.0.0.3:7800"); // the old link says goodbye; the view still names it until it closes
        Throwable lost = failure(a.engine.sendDirect(id, "t", text("2")));
        assertTrue(lost.getMessage().contains("closed"), lost.toString());
        assertTrue(a.engine.broadcast("t", text("2b")).values().stream()
            .allMatch(s -> s.toCompletableFuture().isCompletedExceptionally()), "a broadcast meets the same closing link");
        clock.advance(500);
        assertEquals(PeerState.CONNECTED, a.peer(b).state);
        a.engine.sendDirect(id, "t", text("3"));
        a.engine.sendDirect(id, "t", text("4"));
        clock.advance(10);
        assertEquals(List.of("t:1", "t:3", "t:4"), b.messages,
            "a payload sent on the replaced link is lost, never delivered behind a later one");
    }

    @Test
    void aPeerWithoutALiveLinkHasNoRouteAndItsSendsSayWhy() throws Exception {
        linked();
        String id = b.identity.id();
        b.engine.stop();
        clock.advance(50);
        assertNull(a.engine.sendDirect(id, "t", text("x")), "the closed link left the view");
        assertTrue(a.engine.broadcast("t", text("x")).isEmpty());
        Throwable e = failure(a.engine.send(id, "t", text("x")));
        assertInstanceOf(IllegalStateException.class, e);
        assertTrue(e.getMessage().contains("is not connected"), e.getMessage());
        // the peer removed by configuration
        TestNode c = node("c", "127.0.0.4:7800", "127.0.0.2:7800");
        a.configure(map("peers", "127.0.0.4:7800", "dial.grace", "50ms", "admit", "any"));
        clock.advance(500);
        assertNotNull(a.engine.sendDirect(c.identity.id(), "t", text("c")));
        a.configure(map("peers", "", "dial.grace", "50ms", "admit", "peers"));
        clock.advance(50);
        assertNull(a.engine.sendDirect(c.identity.id(), "t", text("x")), "a removed peer's link left the view");
    }

    @Test
    void aSendOverTheBudgetFailsAtOnceAndIsCountedAsRefusedAFailedOneIsNot() throws Exception {
        linked();
        String id = b.identity.id();
        net.full = true;
        assertInstanceOf(OverBudgetException.class, failure(a.engine.sendDirect(id, "t", text("x"))));
        assertEquals(1, a.engine.node().sendsRefused);
        assertEquals(0, a.peer(b).messagesOut, "a refused send is not counted as sent");
        net.full = false;
        net.frameMax = 4;
        a.engine.reconnect(id); // frame.max is agreed by the hellos of the next link
        clock.advance(500);
        assertInstanceOf(IllegalArgumentException.class, failure(a.engine.sendDirect(id, "t", text("too long"))));
        assertEquals(1, a.engine.node().sendsRefused, "only budget refusals count");
        assertTrue(b.messages.isEmpty());
    }

    /**
     * Inbound: a live link's data goes to the handlers straight from the transport's callback, without the mesh
     * thread, also past a ping that waits for it (data and control frames hold each other up no more).
     */
    @Test
    void aLiveLinksDataReachesTheHandlerAtOnceEvenBehindAPingThatWaitsForTheMeshThread() throws Exception {
        linked();
        FakeNetwork.FakeConnection atB = net.connections.stream()
            .filter(c -> c.open && c.local.getAddress().equals(b.listen.getAddress())).findFirst().orElseThrow();
        atB.handler.frame(atB, io.meshnode.core.internal.wire.Protocol.data("t", text("1")));
        assertEquals(List.of("t:1"), b.messages, "delivered from the transport's thread, the clock not moved");
        atB.handler.frame(atB, io.meshnode.core.internal.wire.Protocol.ping(7, 0));
        atB.handler.frame(atB, io.meshnode.core.internal.wire.Protocol.data("t", text("2")));
        assertEquals(List.of("t:1", "t:2"), b.messages, "not held up by the ping, which waits for the mesh thread");
        clock.advance(0);
        assertEquals(2, b.peer(a).messagesIn);
        // a link that is closing delivers nothing more
        b.engine.reconnect(a.identity.id());
        atB.handler.frame(atB, io.meshnode.core.internal.wire.Protocol.data("t", text("4")));
        clock.advance(0);
        assertEquals(List.of("t:1", "t:2"), b.messages);
    }

    /** Data delivered without the mesh thread still tells the heartbeat that the link carried a frame. */
    @Test
    void dataDeliveredStraightToTheHandlersStillCountsAsAFrameForTheHeartbeat() throws Exception {
        linked();
        io.meshnode.api.health.LinkObservation[] seen = new io.meshnode.api.health.LinkObservation[1];
        io.meshnode.api.health.HeartbeatRules slow = new io.meshnode.api.health.HeartbeatRules(java.time.Duration.ofSeconds(10),
            java.time.Duration.ofSeconds(10), 3);
        a.health = (link, now) -> {
            seen[0] = link;
            return slow.assess(link, now);
        };
        a.engine.servicesChanged();
        clock.advance(2_000); // the new monitor's first ping and its pong, then nothing for a while
        FakeNetwork.FakeConnection atA = net.connections.stream()
            .filter(c -> c.open && c.local.getAddress().equals(a.listen.getAddress())).findFirst().orElseThrow();
        long sent = clock.now();
        atA.handler.frame(atA, io.meshnode.core.internal.wire.Protocol.data("t", text("1")));
        assertEquals(List.of("t:1"), a.messages);
        clock.advance(0);
        a.engine.healthSettingsChanged(); // assessed now
        clock.advance(0);
        assertEquals(sent, seen[0].lastFrameAt(), "the data frame is the link's last frame");
    }
}
