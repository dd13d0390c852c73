package io.meshnode.transport.netty.internal;

import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.meshnode.api.testing.RecordingLogger;
import io.meshnode.api.transport.CloseReason;
import io.meshnode.api.transport.Connection;
import io.meshnode.api.transport.Listener;
import io.meshnode.api.transport.OverBudgetException;
import io.meshnode.transport.netty.internal.TestSupport.Closed;
import io.meshnode.transport.netty.internal.TestSupport.Recorder;
import io.netty.channel.epoll.Epoll;

/**
 * Outbound flow control (issues 14 and 19) over real TCP on loopback, with TLS (the default) and plain: the budget,
 * writability, control frames ahead of data, closes that do not wait on the peer, and pausing reads. A peer "that
 * does not read" is a transport connection whose reads are paused, so the bytes pile up in the kernel and then in
 * front of the sender's channel.
 */
class FlowControlTest {
    private static final InetAddress HOST = address("127.0.99.1");
    private static final InetSocketAddress SERVER = new InetSocketAddress(HOST, 0);
    private static final InetSocketAddress CLIENT = new InetSocketAddress(address("127.0.99.2"), 0);
    private static final int FRAME = 64 * 1024;
    private static final byte DATA = 'D';
    private static final byte CONTROL = 'C';

    private final List<NettyTransport> transports = new ArrayList<>();
    private final RecordingLogger log = new RecordingLogger();

    @AfterEach
    void stop() {
        transports.forEach(NettyTransport::deactivate);
    }

    private static InetAddress address(String a) {
        try {
            return InetAddress.getByName(a);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Small water marks and budget, so that the tests move little data. */
    private NettyTransport transport(String tls, String... keyValues) {
        Map<String, String> c = new HashMap<>(Map.of("tls", tls, "write.buffer.high", "256k", "write.buffer.low", "64k",
            "outbound.budget", "1m"));
        for (int i = 0; i < keyValues.length; i += 2) {
            c.put(keyValues[i], keyValues[i + 1]);
        }
        NettyTransport t = new NettyTransport(log.logger(), TestSupport.config(c), Map.of(), true);
        transports.add(t);
        return t;
    }

    private record Pair(NettyConnection out, Connection in, Recorder outEvents, Recorder inEvents) {}

    private Pair pair(NettyTransport client, NettyTransport server) throws Exception {
        Recorder serverEvents = new Recorder(true);
        Recorder clientEvents = new Recorder(true);
        Listener listener = server.listen(SERVER, serverEvents);
        Connection out = client.connect(listener.address(), CLIENT, clientEvents).toCompletableFuture().get(10, SECONDS);
        Connection in = serverEvents.nextOpened();
        // A connection opens with a small frame (the mesh's hello): the first frame is held to 4096 bytes.
        out.send(new byte[] {'H'}).toCompletableFuture().get(5, SECONDS);
        assertArrayEquals(new byte[] {'H'}, serverEvents.nextFrame(in));
        return new Pair((NettyConnection) out, in, clientEvents, serverEvents);
    }

    private static byte[] data(int n) {
        return ByteBuffer.allocate(FRAME).put(DATA).putInt(n).array();
    }

    /**
     * Sends numbered data frames toward a peer whose reads are paused until the kernel's buffers and the channel are
     * full and data waits in front of the channel; each refused frame is retried once the budget allows.
     *
     * @return the stages of the accepted frames, in order
     */
    private static List<CompletableFuture<Void>> fill(NettyConnection c) throws Exception {
        List<CompletableFuture<Void>> accepted = new ArrayList<>();
        // Until data still waits in front of the channel once the kernel has stalled: on a busy machine the paused
        // side's kernel may take more while the stall is sampled, and the channel then drains the queue into itself.
        for (int round = 0; round < 20; round++) {
            await().atMost(20, SECONDS).pollInterval(Duration.ofMillis(5)).until(() -> {
                CompletableFuture<Void> f = c.send(data(accepted.size())).toCompletableFuture();
                if (!f.isCompletedExceptionally()) {
                    accepted.add(f);
                }
                return !c.channel().isWritable() && c.queuedBytes() > 0;
            });
            awaitStall(c);
            if (c.queuedBytes() > 0) {
                return accepted;
            }
        }
        throw new AssertionError("the queue in front of the channel drained after every stall: " + accepted.size()
            + " frames accepted");
    }

    /**
     * Stalled: the kernel takes nothing more (the paused side's last read and window updates are over). Sampled on
     * the event loop, so that a busy machine delaying the loop does not pass for a stall.
     */
    private static void awaitStall(NettyConnection c) {
        long[] last = {-1};
        await().atMost(10, SECONDS).during(Duration.ofMillis(300)).pollInterval(Duration.ofMillis(20)).until(() -> {
            long now = c.channel().eventLoop().submit(() -> {
                io.netty.channel.ChannelOutboundBuffer b = c.channel().unsafe().outboundBuffer();
                return b == null ? -2 : b.totalPendingWriteBytes();
            }).get(1, SECONDS);
            boolean same = now == last[0];
            last[0] = now;
            return same;
        });
    }

    /** @return how many data frames, numbered from 0 and in order, the peer read before the first control frame */
    private static int dataFramesBeforeControl(Pair p) throws InterruptedException {
        int n = 0;
        for (byte[] f = p.inEvents.nextFrame(p.in); f[0] != CONTROL; f = p.inEvents.nextFrame(p.in)) {
            assertEquals(n++, ByteBuffer.wrap(f, 1, 4).getInt());
        }
        return n;
    }

    /**
     * The mesh's application sends come from the applications' own threads, straight to the connection: each
     * thread's frames arrive in the order that thread sent them, none lost or doubled, and the budget's accounting
     * returns to zero.
     */
    @ParameterizedTest(name = "tls={0}")
    @ValueSource(strings = {"on", "off"})
    void sendsFromSeveralThreadsAtOnceArriveInEachThreadsOrder(String tls) throws Exception {
        Pair p = pair(transport(tls), transport(tls));
        int threads = 4;
        int each = 2_000;
        List<Thread> senders = new ArrayList<>();
        java.util.concurrent.atomic.AtomicInteger refusals = new java.util.concurrent.atomic.AtomicInteger();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            Thread s = new Thread(() -> {
                for (int n = 0; n < each; n++) {
                    byte[] f = ByteBuffer.allocate(1024).put(DATA).putInt(thread).putInt(n).array();
                    // a refused frame is retried: the caller learns at once and nothing was queued
                    while (p.out.send(f).toCompletableFuture().isCompletedExceptionally()) {
                        refusals.incrementAndGet();
                        java.util.concurrent.locks.LockSupport.parkNanos(100_000);
                    }
                }
            }, "sender-" + t);
            senders.add(s);
            s.start();
        }
        int[] next = new int[threads];
        for (int i = 0; i < threads * each; i++) {
            ByteBuffer f = ByteBuffer.wrap(p.inEvents.nextFrame(p.in));
            assertEquals(DATA, f.get());
            int thread = f.getInt();
            assertEquals(next[thread]++, f.getInt(), "thread " + thread + "'s frames in its order");
        }
        for (Thread s : senders) {
            s.join(10_000);
        }
        assertEquals(List.of(each, each, each, each), java.util.Arrays.stream(next).boxed().toList());
        await().atMost(5, SECONDS).until(() -> p.out.pendingBytes() == 0);
        assertTrue(p.outEvents.violations.isEmpty() && p.inEvents.violations.isEmpty(),
            p.outEvents.violations + " " + p.inEvents.violations);
    }

    @ParameterizedTest(name = "tls={0}")
    @ValueSource(strings = {"on", "off"})
    void towardAPeerThatDoesNotReadDataSendsFailFastAtTheBudgetAndMemoryStaysBounded(String tls) throws Exception {
        Pair p = pair(transport(tls), transport(tls));
        p.in.pauseReads();
        long budget = 1 << 20;

        List<CompletableFuture<Void>> accepted = fill(p.out);
        int refused = 0;
        for (int i = 0; i < 2_000; i++) { // 128 MB offered
            CompletableFuture<Void> f = p.out.send(data(accepted.size())).toCompletableFuture();
            assertTrue(p.out.pendingBytes() <= budget, "pending " + p.out.pendingBytes());
            if (f.isCompletedExceptionally()) {
                refused++;
                ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, f::get);
                OverBudgetException over = assertInstanceOf(OverBudgetException.class, e.getCause());
                assertEquals(budget, over.budget());
                assertEquals(FRAME + 0L, over.frameBytes());
                assertTrue(over.queuedBytes() + FRAME > budget && over.queuedBytes() <= budget, over.getMessage());
                assertTrue(over.getMessage().contains("outbound.budget " + budget), over.getMessage());
            } else {
                accepted.add(f);
            }
        }
        assertTrue(refused >= 1_900, "refused only " + refused + " of 2000 frames toward a peer that does not read");
        assertFalse(p.out.isWritable());
        assertFalse(p.outEvents.nextWritability(p.out), "the handler learnt that the connection is not writable");
        assertTrue(p.out.isOpen(), "an over-budget send does not close the connection");

        // The peer reads again: everything accepted arrives, in order, and the sender hears it is writable again.
        p.in.resumeReads();
        assertTrue(p.outEvents.nextWritability(p.out), "writabilityChanged(true) on drain");
        for (int i = 0; i < accepted.size(); i++) {
            byte[] f = p.inEvents.nextFrame(p.in);
            assertEquals(i, ByteBuffer.wrap(f, 1, 4).getInt());
        }
        CompletableFuture.allOf(accepted.toArray(CompletableFuture[]::new)).get(10, SECONDS);
        assertEquals(0, p.out.pendingBytes());
        assertTrue(p.out.isWritable());
        assertTrue(p.outEvents.violations.isEmpty(), p.outEvents.violations::toString);
    }

    @ParameterizedTest(name = "tls={0}")
    @ValueSource(strings = {"on", "off"})
    void aControlFrameOvertakesTheDataQueuedBeforeIt(String tls) throws Exception {
        Pair p = pair(transport(tls, "outbound.budget", "16m"), transport(tls));
        p.in.pauseReads();
        List<CompletableFuture<Void>> accepted = fill(p.out);
        // Top the queue up to several megabytes.
        for (CompletableFuture<Void> f = p.out.send(data(accepted.size())).toCompletableFuture();
            !f.isCompletedExceptionally(); f = p.out.send(data(accepted.size())).toCompletableFuture()) {
            accepted.add(f);
        }
        // The sends above reach the queue as event-loop tasks.
        await().atMost(10, SECONDS).until(() -> p.out.queuedBytes() >= 4L << 20);
        // Measured on the event loop in the same task that takes the control frame: the queue it must overtake is
        // the one at that moment (under load the loop may have moved more data to the socket since the await).
        long[] queuedAt = new long[1];
        CompletableFuture<Void> ping = p.out.channel().eventLoop().submit(() -> {
            queuedAt[0] = p.out.queuedBytes();
            return p.out.sendControl(new byte[] {CONTROL, 1, 2, 3}).toCompletableFuture();
        }).get(10, SECONDS);
        long queued = queuedAt[0];

        p.in.resumeReads();
        int dataBefore = dataFramesBeforeControl(p);
        ping.get(10, SECONDS);
        int dataAfter = accepted.size() - dataBefore;
        assertTrue(dataAfter * (long) FRAME >= queued, "the control frame arrived behind " + dataBefore + " data frames,"
            + " ahead of " + dataAfter + "; " + queued + " bytes were queued in front of the channel when it was sent");
        for (int i = dataBefore; i < accepted.size(); i++) {
            assertEquals(i, ByteBuffer.wrap(p.inEvents.nextFrame(p.in), 1, 4).getInt());
        }
    }

    @ParameterizedTest(name = "tls={0}")
    @ValueSource(strings = {"on", "off"})
    void aCloseWithAGoodbyeTowardAPeerThatDoesNotReadClosesWithinTheDeadline(String tls) throws Exception {
        Pair p = pair(transport(tls, "close.deadline", "300ms"), transport(tls));
        p.in.pauseReads();
        List<CompletableFuture<Void>> accepted = fill(p.out);

        String before = "active " + p.out.channel().isActive() + ", pending " + p.out.pendingBytes() + ", queued "
            + p.out.queuedBytes() + ", channel writable " + p.out.channel().isWritable();
        long start = System.nanoTime();
        CompletableFuture<Void> closed = p.out.close(CloseReason.ADMIN, "bye", new byte[] {CONTROL, 9})
            .toCompletableFuture();
        assertFalse(p.out.isOpen());
        closed.get(5, SECONDS);
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ms >= 250 && ms < 2_000, () -> "closed after " + ms + " ms, deadline 300 ms; before the close: " + before
            + "; " + p.outEvents.closedFuture(p.out).getNow(null) + " " + log.lines());
        assertTrue(log.has("DEBUG", "last frame not written within close.deadline 300ms"), log.lines()::toString);
        assertEquals(new Closed(CloseReason.ADMIN, "bye"), p.outEvents.awaitClosed(p.out));
        assertTrue(accepted.get(accepted.size() - 1).isCompletedExceptionally(), "queued data was discarded");
        await().atMost(5, SECONDS).until(() -> p.out.pendingBytes() == 0);

        p.in.resumeReads(); // it learns of the close once it reads (a reset: the deadline discarded what was unsent)
        CloseReason seen = p.inEvents.awaitClosed(p.in).reason();
        assertTrue(seen == CloseReason.REMOTE_CLOSED || seen == CloseReason.IO_ERROR, seen::toString);
        assertTrue(p.outEvents.violations.isEmpty(), p.outEvents.violations::toString);
    }

    @ParameterizedTest(name = "tls={0}")
    @ValueSource(strings = {"on", "off"})
    void aCloseWithAGoodbyeWritesItAheadOfTheQueuedDataAndDiscardsThatData(String tls) throws Exception {
        Pair p = pair(transport(tls, "close.deadline", "10s"), transport(tls));
        p.in.pauseReads();
        List<CompletableFuture<Void>> accepted = fill(p.out);

        CompletableFuture<Void> closed = p.out.close(CloseReason.SHUTDOWN, "node stopping", new byte[] {CONTROL, 7})
            .toCompletableFuture();
        p.in.resumeReads();
        int dataBefore = dataFramesBeforeControl(p);
        closed.get(5, SECONDS); // once written: long before the 10 s deadline
        assertTrue(dataBefore < accepted.size(), "the goodbye came after all " + dataBefore + " data frames");
        assertEquals(CloseReason.REMOTE_CLOSED, p.inEvents.awaitClosed(p.in).reason());
        assertTrue(p.inEvents.frames.get(p.in).isEmpty(), "nothing after the goodbye");
        assertEquals(new Closed(CloseReason.SHUTDOWN, "node stopping"), p.outEvents.awaitClosed(p.out));
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
            () -> accepted.get(accepted.size() - 1).get(5, SECONDS));
        assertTrue(e.getCause().getMessage().contains("connection closed (SHUTDOWN) before the frame was written"),
            e.getCause()::toString);
    }

    /**
     * A control frame accepted before a close is written ahead of the close's last frame, even when the close is
     * decided before the event loop wrote it (the mesh's hello, then a goodbye for a duplicate: the peer used to get
     * the goodbye alone and take it for a protocol error).
     */
    @ParameterizedTest(name = "tls={0}")
    @ValueSource(strings = {"on", "off"})
    void aControlFrameAcceptedBeforeACloseIsWrittenAheadOfItsLastFrame(String tls) throws Exception {
        Pair p = pair(transport(tls), transport(tls));
        java.util.concurrent.CountDownLatch hold = new java.util.concurrent.CountDownLatch(1);
        p.out.channel().eventLoop().execute(() -> {
            try {
                hold.await(10, SECONDS); // both calls below queue their tasks behind this one
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        CompletableFuture<Void> hello = p.out.sendControl(new byte[] {CONTROL, 1}).toCompletableFuture();
        CompletableFuture<Void> closed = p.out.close(CloseReason.DUPLICATE, "keeping the other", new byte[] {CONTROL, 2})
            .toCompletableFuture();
        hold.countDown();
        hello.get(5, SECONDS);
        closed.get(5, SECONDS);
        assertArrayEquals(new byte[] {CONTROL, 1}, p.inEvents.nextFrame(p.in));
        assertArrayEquals(new byte[] {CONTROL, 2}, p.inEvents.nextFrame(p.in));
        assertEquals(CloseReason.REMOTE_CLOSED, p.inEvents.awaitClosed(p.in).reason());
    }

    @ParameterizedTest(name = "tls={0}")
    @ValueSource(strings = {"on", "off"})
    void aPlainCloseTowardAPeerThatDoesNotReadIsImmediate(String tls) throws Exception {
        Pair p = pair(transport(tls), transport(tls));
        p.in.pauseReads();
        fill(p.out);
        long start = System.nanoTime();
        p.out.close(CloseReason.ADMIN, "operator disconnect");
        assertEquals(CloseReason.ADMIN, p.outEvents.awaitClosed(p.out).reason());
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ms < 500, "closed after " + ms + " ms");
        assertFalse(p.out.channel().isOpen());
    }

    @ParameterizedTest(name = "tls={0}")
    @ValueSource(strings = {"on", "off"})
    void controlFramesPastTheirCapCloseTheConnectionAsOverloaded(String tls) throws Exception {
        Pair p = pair(transport(tls, "outbound.control.max", "1k"), transport(tls));
        p.in.pauseReads();
        fill(p.out); // the kernel and the channel are full: control frames wait in the channel
        CompletableFuture<Void> refused = null;
        for (int i = 0; i < 200 && refused == null; i++) {
            CompletableFuture<Void> pong = p.out.sendControl(new byte[17]).toCompletableFuture();
            if (pong.isCompletedExceptionally()) {
                refused = pong;
            }
        }
        assertTrue(refused != null, "200 control frames of 17 bytes fit under a cap of 1024");
        Closed closed = p.outEvents.awaitClosed(p.out);
        assertEquals(CloseReason.OVERLOADED, closed.reason());
        assertTrue(closed.detail().startsWith("the peer does not read: ") && closed.detail().contains(
            "outbound.control.max 1024"), closed.detail());
        assertTrue(CloseReason.OVERLOADED.isFailure());
        assertTrue(log.has("WARN", "outbound.control.max 1024"), log.lines()::toString);
    }

    @Test
    void pausedReadsDeliverNothingUntilResumed() throws Exception {
        NettyTransport server = transport("off");
        NettyTransport client = transport("off");
        Pair paused = pair(client, server);
        Pair reading = pair(client, server);
        paused.in.pauseReads();
        paused.in.pauseReads(); // idempotent
        // The read already requested when reads were paused may still take one batch; after it nothing is read.
        for (int batch = 0; batch < 2; batch++) {
            for (int i = 0; i < 10; i++) {
                paused.out.send(new byte[] {DATA, (byte) (batch * 10 + i)});
                reading.out.send(new byte[] {DATA, (byte) (batch * 10 + i)});
            }
            for (int i = 0; i < 10; i++) {
                assertArrayEquals(new byte[] {DATA, (byte) (batch * 10 + i)}, reading.inEvents.nextFrame(reading.in));
            }
        }
        int early = paused.inEvents.frames.get(paused.in).size();
        assertTrue(early <= 10, early + " frames arrived while reads were paused");
        paused.in.resumeReads();
        for (int i = 0; i < 20; i++) {
            assertArrayEquals(new byte[] {DATA, (byte) i}, paused.inEvents.nextFrame(paused.in));
        }
    }

    @Test
    void anIdleConnectionTakesAFrameLargerThanTheWaterMarks() throws Exception {
        Pair p = pair(transport("off", "frame.max", "2m", "outbound.budget", "256k", "write.buffer.low", "1k",
            "write.buffer.high", "128k"), transport("off", "frame.max", "2m"));
        p.out.send(new byte[2 << 20]).toCompletableFuture().get(10, SECONDS);
        assertEquals(2 << 20, p.inEvents.nextFrame(p.in).length);
    }

    @Test
    void tcpUserTimeoutIsSetOnEpollSockets() throws Exception {
        NettyTransport server = transport("off");
        NettyTransport client = transport("off", "tcp.user.timeout", "0s");
        Pair p = pair(client, server);
        if (Epoll.isAvailable()) {
            assertEquals(0, client.io().userTimeout(p.out.channel()), "0s leaves the kernel's default");
            assertEquals(30_000, server.io().userTimeout(((NettyConnection) p.in).channel()));
        } else {
            assertEquals(-1, client.io().userTimeout(p.out.channel()));
        }
        assertTrue(MILLISECONDS.toSeconds(Settings.DEFAULTS.tcpUserTimeout().toMillis()) == 30);
    }
}
