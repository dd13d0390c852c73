package io.meshnode.transport.netty.internal;

import static java.util.concurrent.TimeUnit.NANOSECONDS;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.PublicKey;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

import org.osgi.service.log.Logger;

import io.meshnode.api.config.ConfigValues;
import io.meshnode.api.transport.CloseReason;
import io.meshnode.api.transport.Connection;
import io.meshnode.api.transport.ConnectionHandler;
import io.meshnode.api.transport.Direction;
import io.meshnode.api.transport.OverBudgetException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.ScheduledFuture;

/**
 * One channel with its pipeline. Handler callbacks run on the channel's event loop, so they are
 * ordered: opened, frames, closed.
 * <p>
 * Outbound flow control: data frames wait in {@link #queue}, in front of the channel, and move into the channel
 * only while the channel is writable (its water marks), so Netty's own buffer holds at most write.buffer.high of
 * data plus one frame. Control frames are written to the channel directly, ahead of that queue. What waits is
 * reserved at send time against outbound.budget (data) or outbound.control.max (control), on any thread, and
 * released when the write completes or fails.
 */
final class NettyConnection implements Connection {
    private record Closing(CloseReason reason, String detail) {}

    /** A data frame waiting in front of the channel. */
    private record Queued(byte[] frame, CompletableFuture<Void> sent) {}

    /** Set on accepted channels that hold a place under the transport's caps on unauthenticated connections. */
    static final AttributeKey<Runnable> GATE = AttributeKey.valueOf("meshnode.gate");

    private final long id;
    private final Direction direction;
    private final Channel channel;
    private final ConnectionHandler handler;
    private final Settings settings;
    private final NettyTransport owner;
    private final Logger log;
    private final CompletableFuture<Connection> dial;
    private final FrameDecoder decoder;
    private final AtomicReference<Closing> closing = new AtomicReference<>();
    /**
     * PENDING until the first complete frame arrives (ARRIVED: the timer stops, so the owner's own slowness in
     * handling it is never the peer's timeout) or the handshake timer fires; ESTABLISHED once the owner says so.
     */
    private final AtomicInteger handshake = new AtomicInteger(PENDING);
    private static final int PENDING = 0;
    private static final int ESTABLISHED = 1;
    private static final int EXPIRED = 2;
    private static final int ARRIVED = 3;
    private volatile ScheduledFuture<?> handshakeTimer;
    private volatile InetSocketAddress remote;
    private volatile InetSocketAddress local;
    private final SslHandler ssl;
    private volatile PublicKey peerKey;
    private volatile String security = "plain";
    private boolean opened; // event loop only
    /** The first handler of the pipeline: a close started here skips TLS's close_notify and its wait for the peer. */
    private final Cut cut = new Cut();
    private final ArrayDeque<Queued> queue = new ArrayDeque<>(); // event loop only
    /** Bytes of the frames in {@link #queue}; written on the event loop only. */
    private volatile long queuedBytes;
    /** Data bytes accepted by send and not yet written to the socket: the queue plus what the channel holds. */
    private final AtomicLong dataPending = new AtomicLong();
    /** Control bytes accepted by sendControl or a close and not yet written to the socket. */
    private final AtomicLong controlPending = new AtomicLong();
    /** Written on the event loop only: the hysteresis between write.buffer.high and write.buffer.low. */
    private volatile boolean writable = true;
    private boolean toldWritable = true; // event loop only
    private boolean reportedClosed; // event loop only
    private final CompletableFuture<Void> socketClosed = new CompletableFuture<>();
    /**
     * Where control frames enter the pipeline, already framed: below the length prepender and the flush consolidation,
     * so a ping is one buffer flushed at once (TLS record and syscall in the same event-loop task) instead of a frame,
     * a separate length prefix and a flush deferred to a task of its own. A control frame arrives alone in its task:
     * there is nothing to consolidate it with.
     */
    private final ChannelHandlerContext control;

    /** @param dial completed when an outbound connection opens; {@code null} for inbound ones */
    /** @param engine the TLS engine, {@code null} for plain TCP */
    NettyConnection(long id, Direction direction, Channel channel, ConnectionHandler handler, Settings settings,
        NettyTransport owner, Logger log, CompletableFuture<Connection> dial, SSLEngine engine, Executor tlsTasks) {
        this.id = id;
        this.direction = direction;
        this.channel = channel;
        this.handler = handler;
        this.settings = settings;
        this.owner = owner;
        this.log = log;
        this.dial = dial;
        this.decoder = new FrameDecoder(settings.frameMax());
        channel.config().setWriteBufferWaterMark(new WriteBufferWaterMark(settings.writeLow(), settings.writeHigh()));
        channel.closeFuture().addListener(f -> socketClosed.complete(null));
        channel.pipeline().addLast(cut);
        if (engine != null) {
            ssl = new SslHandler(engine, false, tlsTasks);
            // The transport's handshake timeout covers TLS and hello together.
            ssl.setHandshakeTimeoutMillis(0);
            channel.pipeline().addLast(ssl);
        } else {
            ssl = null;
        }
        // Frames sent from other threads arrive as one event-loop task each; consolidating their flushes
        // lets one flush (one TLS record of up to 16 KiB, one syscall) carry every frame queued meanwhile.
        FlushConsolidationHandler consolidation =
            new FlushConsolidationHandler(FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true);
        channel.pipeline().addLast(consolidation);
        control = channel.pipeline().context(consolidation);
        channel.pipeline().addLast(decoder, new LengthFieldPrepender(4), new Events());
    }

    @Override
    public long id() {
        return id;
    }

    @Override
    public Direction direction() {
        return direction;
    }

    @Override
    public InetSocketAddress remoteAddress() {
        InetSocketAddress a = remote;
        return a != null ? a : (InetSocketAddress) channel.remoteAddress();
    }

    @Override
    public InetSocketAddress localAddress() {
        InetSocketAddress a = local;
        return a != null ? a : (InetSocketAddress) channel.localAddress();
    }

    /** @return a failed stage if the frame cannot be sent at all, else {@code null} */
    private CompletableFuture<Void> unsendable(byte[] frame) {
        if (!isOpen()) {
            return CompletableFuture.failedFuture(new IllegalStateException("connection closed"));
        }
        if (frame.length > settings.frameMax()) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                "frame of " + frame.length + " bytes exceeds frame.max " + settings.frameMax()));
        }
        return null;
    }

    @Override
    public CompletionStage<Void> send(byte[] frame) {
        CompletableFuture<Void> refused = unsendable(frame);
        if (refused != null) {
            return refused;
        }
        // Reserve capacity or fail: the caller learns now, and nothing is held for a frame that is refused.
        long budget = settings.outboundBudget();
        for (;;) {
            long before = dataPending.get();
            if (before > 0 && before + frame.length > budget) {
                return CompletableFuture.failedFuture(new OverBudgetException("outbound budget exceeded: " + before
                    + " bytes queued toward " + ConfigValues.format(remoteAddress()) + ", a frame of " + frame.length
                    + " bytes would pass outbound.budget " + budget, before, frame.length, budget));
            }
            if (dataPending.compareAndSet(before, before + frame.length)) {
                break;
            }
        }
        Queued q = new Queued(frame, new CompletableFuture<>());
        if (!onLoop(() -> enqueue(q))) {
            dataPending.addAndGet(-frame.length);
            q.sent.completeExceptionally(new IllegalStateException("connection closed"));
        }
        return q.sent;
    }

    @Override
    public CompletionStage<Void> sendControl(byte[] frame) {
        CompletableFuture<Void> refused = unsendable(frame);
        if (refused != null) {
            return refused;
        }
        long max = settings.controlMax();
        long after = controlPending.addAndGet(frame.length);
        if (after > max) {
            long before = controlPending.addAndGet(-frame.length);
            String detail = "the peer does not read: " + before + " bytes of control frames wait for it, a frame of "
                + frame.length + " bytes would pass outbound.control.max " + max;
            if (closeFirst(CloseReason.OVERLOADED, detail)) {
                log.warn("{}: {}; closing", this, detail);
            }
            return CompletableFuture.failedFuture(new OverBudgetException(detail, before, frame.length, max));
        }
        CompletableFuture<Void> sent = new CompletableFuture<>();
        if (!onLoop(() -> writeControl(frame, sent))) {
            controlPending.addAndGet(-frame.length);
            sent.completeExceptionally(new IllegalStateException("connection closed"));
        }
        return sent;
    }

    /** @return {@code false} if the event loop no longer runs tasks (the transport stopped) */
    private boolean onLoop(Runnable task) {
        if (channel.eventLoop().inEventLoop()) {
            task.run();
            return true;
        }
        try {
            channel.eventLoop().execute(task);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    private void enqueue(Queued q) {
        if (closing.get() != null || !channel.isActive()) {
            dataPending.addAndGet(-q.frame.length);
            q.sent.completeExceptionally(closedWhileWaiting());
            return;
        }
        queue.add(q);
        queuedBytes += q.frame.length;
        drain();
        updateWritability();
    }

    /**
     * Moves data frames from the queue into the channel while the channel is below its high-water mark. Not once a
     * close is decided: the queue is the close's to discard (its task may still wait behind an I/O event that made the
     * channel writable, and the peer must get the goodbye ahead of that data).
     */
    private void drain() {
        if (closing.get() != null) {
            return;
        }
        boolean wrote = false;
        Queued q;
        while (channel.isWritable() && (q = queue.poll()) != null) {
            queuedBytes -= q.frame.length;
            Queued written = q;
            ChannelPromise promise = channel.newPromise();
            promise.addListener(f -> {
                dataPending.addAndGet(-written.frame.length);
                complete(written.sent, f);
                updateWritability();
            });
            // Wrapped, not copied: the caller hands the array over.
            channel.write(Unpooled.wrappedBuffer(q.frame), promise);
            wrote = true;
        }
        if (wrote) {
            channel.flush();
        }
    }

    /**
     * Writes a control frame accepted before any close (event loop). A close decided since then does not drop it: the
     * close's own task runs after this one, so a hello followed at once by a goodbye reaches the peer in that order.
     */
    private void writeControl(byte[] frame, CompletableFuture<Void> sent) {
        if (!channel.isActive()) {
            controlPending.addAndGet(-frame.length);
            sent.completeExceptionally(closedWhileWaiting());
            return;
        }
        ByteBuf framed = channel.alloc().ioBuffer(4 + frame.length).writeInt(frame.length).writeBytes(frame);
        control.writeAndFlush(framed).addListener(f -> {
            controlPending.addAndGet(-frame.length);
            complete(sent, f);
        });
    }

    private static void complete(CompletableFuture<Void> sent, io.netty.util.concurrent.Future<?> f) {
        if (f.isSuccess()) {
            sent.complete(null);
        } else {
            sent.completeExceptionally(f.cause());
        }
    }

    private IOException closedWhileWaiting() {
        Closing why = closing.get();
        return new IOException("connection closed" + (why == null ? "" : " (" + why.reason() + ")")
            + " before the frame was written");
    }

    /** Fails every data frame still queued (event loop). */
    private void discardQueue() {
        Queued q;
        while ((q = queue.poll()) != null) {
            queuedBytes -= q.frame.length;
            dataPending.addAndGet(-q.frame.length);
            q.sent.completeExceptionally(closedWhileWaiting());
        }
    }

    /** Applies the water marks' hysteresis to the data pending and tells the handler of a change (event loop). */
    private void updateWritability() {
        long pending = dataPending.get();
        if (writable && pending > settings.writeHigh()) {
            writable = false;
        } else if (!writable && pending <= settings.writeLow()) {
            writable = true;
        }
        boolean now = writable;
        if (now != toldWritable && opened && !reportedClosed && closing.get() == null) {
            toldWritable = now;
            try {
                handler.writabilityChanged(this, now);
            } catch (RuntimeException e) {
                log.warn("{}: the connection handler failed on a writability change: {}", this, e.toString(), e);
            }
        }
    }

    @Override
    public boolean isWritable() {
        // The flag lags a send from another thread by one event-loop task; the count does not.
        return writable && dataPending.get() <= settings.writeHigh() && isOpen();
    }

    @Override
    public int maxFrameSize() {
        return settings.frameMax();
    }

    @Override
    public long pendingBytes() {
        return dataPending.get() + controlPending.get();
    }

    /** For tests: data bytes still in front of the channel. */
    long queuedBytes() {
        return queuedBytes;
    }

    /** For tests. */
    Channel channel() {
        return channel;
    }

    @Override
    public void pauseReads() {
        channel.config().setAutoRead(false);
    }

    @Override
    public void resumeReads() {
        channel.config().setAutoRead(true);
    }

    @Override
    public PublicKey peerKey() {
        return peerKey;
    }

    @Override
    public String security() {
        return security;
    }

    static void releaseGate(Channel ch) {
        Runnable release = ch.attr(GATE).getAndSet(null);
        if (release != null) {
            release.run();
        }
    }

    @Override
    public void established() {
        if (handshake.compareAndSet(PENDING, ESTABLISHED) || handshake.compareAndSet(ARRIVED, ESTABLISHED)) {
            releaseGate(channel);
            stopHandshakeTimer();
        }
    }

    private void stopHandshakeTimer() {
        ScheduledFuture<?> timer = handshakeTimer;
        if (timer != null) {
            timer.cancel(false);
        }
    }

    @Override
    public boolean isOpen() {
        // EXPIRED counts as closed at once, before the close itself: an owner that calls established()
        // too late sees the connection closed right after the call.
        return closing.get() == null && handshake.get() != EXPIRED && channel.isOpen();
    }

    @Override
    public void close(CloseReason reason, String detail) {
        closeFirst(reason, detail);
    }

    @Override
    public CompletionStage<Void> close(CloseReason reason, String detail, byte[] lastFrame) {
        if (closing.compareAndSet(null, new Closing(reason, detail == null ? "" : detail))) {
            byte[] last = lastFrame != null && lastFrame.length <= settings.frameMax() ? lastFrame : null;
            if (!onLoop(() -> closeAfter(last))) {
                channel.close();
            }
        }
        return socketClosed.copy();
    }

    /** Writes the last frame ahead of the discarded queue, then closes when it is written or the deadline passes. */
    private void closeAfter(byte[] last) {
        discardQueue();
        if (last == null || !channel.isActive()) {
            cut(false);
            return;
        }
        ScheduledFuture<?> deadline = channel.eventLoop().schedule(() -> {
            if (channel.isOpen()) {
                log.debug("{}: last frame not written within close.deadline {} (the peer does not read); closing",
                    this, ConfigValues.format(settings.closeDeadline()));
                cut(true);
            }
        }, settings.closeDeadline().toNanos(), NANOSECONDS);
        controlPending.addAndGet(last.length);
        channel.writeAndFlush(Unpooled.wrappedBuffer(last)).addListener(f -> {
            controlPending.addAndGet(-last.length);
            deadline.cancel(false);
            cut(false);
        });
    }

    /** @return whether this call decided the reason */
    private boolean closeFirst(CloseReason reason, String detail) {
        if (closing.compareAndSet(null, new Closing(reason, detail == null ? "" : detail))) {
            if (!onLoop(() -> {
                discardQueue();
                cut(false);
            })) {
                channel.close();
            }
            return true;
        }
        return false;
    }

    /**
     * Closes the socket now, from the head of the pipeline: TLS sends no close_notify, so nothing waits for a
     * peer that does not read (the mesh protocol ends a link with its own goodbye frame). Event loop only.
     *
     * @param reset abort with a RST, discarding what the kernel still holds for the peer
     */
    private void cut(boolean reset) {
        if (reset) {
            try {
                channel.config().setOption(ChannelOption.SO_LINGER, 0);
            } catch (ChannelException e) {
                // closed meanwhile
            }
        }
        // Nothing to wait for: channelInactive reports the close.
        ChannelHandlerContext head = cut.ctx;
        if (head != null) {
            head.close();
        } else {
            channel.close();
        }
    }

    /** Holds the context of the pipeline's first handler. */
    private static final class Cut extends ChannelOutboundHandlerAdapter {
        volatile ChannelHandlerContext ctx;

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            this.ctx = ctx;
        }
    }

    @Override
    public String toString() {
        return "#" + id + " " + direction + " " + ConfigValues.format(localAddress()) + "->"
            + ConfigValues.format(remoteAddress());
    }

    private final class Events extends ChannelInboundHandlerAdapter {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            NettyConnection c = NettyConnection.this;
            // Kept so that toString and the handler still see them after the socket closed.
            remote = (InetSocketAddress) channel.remoteAddress();
            local = (InetSocketAddress) channel.localAddress();
            boolean running = owner.register(c);
            long timeout = settings.handshakeTimeout().toNanos();
            handshakeTimer = ctx.executor().schedule(() -> {
                if (handshake.compareAndSet(PENDING, EXPIRED)) {
                    close(CloseReason.HANDSHAKE_TIMEOUT,
                        "no handshake within " + ConfigValues.format(settings.handshakeTimeout()));
                }
            }, timeout, NANOSECONDS);
            if (!running) {
                close(CloseReason.SHUTDOWN, "transport stopped");
            } else if (ssl == null) {
                open();
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent done) {
                if (done.isSuccess()) {
                    try {
                        SSLSession session = ssl.engine().getSession();
                        peerKey = Tls.peerKey(session);
                        security = session.getProtocol() + " " + session.getCipherSuite();
                    } catch (SSLPeerUnverifiedException e) {
                        closeFirst(CloseReason.PROTOCOL_ERROR, "TLS: the peer presented no certificate");
                        return;
                    }
                    if (closing.get() == null) {
                        open();
                    }
                } else {
                    tlsFailed(done.cause());
                }
            }
            ctx.fireUserEventTriggered(evt);
        }

        /** The connection is usable (after TLS, if any): the handler sees it before the dialer does. */
        private void open() {
            NettyConnection c = NettyConnection.this;
            opened = true;
            try {
                handler.opened(c);
            } finally {
                if (dial != null) {
                    dial.complete(c);
                }
            }
            updateWritability();
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (ctx.channel().isWritable()) {
                drain();
            }
            ctx.fireChannelWritabilityChanged();
        }

        private void tlsFailed(Throwable cause) {
            Throwable root = cause;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            String detail = root instanceof java.nio.channels.ClosedChannelException
                ? "closed by the peer during the TLS handshake"
                : "TLS handshake failed: " + NettyTransport.describe(root)
                    + (root instanceof NotSslRecordException ? " (plain TCP? the peer may run with tls = off)" : "");
            if (closeFirst(CloseReason.PROTOCOL_ERROR, detail)) {
                log.debug("{}: {}", NettyConnection.this, detail);
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            byte[] frame;
            try {
                frame = ByteBufUtil.getBytes(buf);
            } finally {
                buf.release();
            }
            if (closing.get() == null) {
                if (handshake.compareAndSet(PENDING, ARRIVED)) {
                    // The peer's first frame (its hello) is here within the timeout: the rest is this node's work.
                    stopHandshakeTimer();
                }
                handler.frame(NettyConnection.this, frame);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            NettyConnection c = NettyConnection.this;
            owner.unregister(c);
            ScheduledFuture<?> timer = handshakeTimer;
            if (timer != null) {
                timer.cancel(false);
            }
            closing.compareAndSet(null, new Closing(CloseReason.REMOTE_CLOSED,
                ssl != null && !opened ? "closed by the peer during the TLS handshake" : "closed by the peer"));
            Closing why = closing.get();
            discardQueue();
            reportedClosed = true;
            if (opened) {
                handler.closed(c, why.reason(), why.detail());
            } else if (dial == null && why.reason() != CloseReason.SHUTDOWN) {
                handler.rejected(remoteAddress(), why.reason(), why.detail());
            }
            if (dial != null && !dial.isDone()) {
                dial.completeExceptionally(new IOException("connection to " + ConfigValues.format(remoteAddress())
                    + " closed before it opened: " + why.reason() + " " + why.detail()));
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (ssl != null && !opened) {
                tlsFailed(cause);
            } else if (cause instanceof TooLongFrameException) {
                String detail = decoder.refusedFirst() && decoder.lastLength <= settings.frameMax()
                    ? "first frame of " + decoder.lastLength + " bytes exceeds " + FrameDecoder.FIRST_FRAME_MAX
                        + " (a connection opens with a hello)"
                    : "frame of " + decoder.lastLength + " bytes exceeds frame.max " + settings.frameMax();
                if (closeFirst(CloseReason.FRAME_TOO_LARGE, detail)) {
                    log.warn("{}: peer sent a {}; closing", NettyConnection.this, detail);
                }
            } else if (cause instanceof IOException) {
                if (closeFirst(CloseReason.IO_ERROR, NettyTransport.describe(cause))) {
                    log.debug("{}: {}", NettyConnection.this, NettyTransport.describe(cause));
                }
            } else if (closeFirst(CloseReason.PROTOCOL_ERROR, NettyTransport.describe(cause))) {
                // also a handler that threw: it refused what the peer sent
                log.warn("{}: {}; closing", NettyConnection.this, cause, cause);
            }
        }
    }
}
