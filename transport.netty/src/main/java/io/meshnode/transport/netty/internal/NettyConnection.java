package io.meshnode.transport.netty.internal;

import static java.util.concurrent.TimeUnit.NANOSECONDS;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.PublicKey;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
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
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
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
 */
final class NettyConnection implements Connection {
    private record Closing(CloseReason reason, String detail) {}

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
    /** PENDING until the owner calls established() or the handshake timer fires, whichever is first. */
    private final AtomicInteger handshake = new AtomicInteger(PENDING);
    private static final int PENDING = 0;
    private static final int ESTABLISHED = 1;
    private static final int EXPIRED = 2;
    private volatile ScheduledFuture<?> handshakeTimer;
    private volatile InetSocketAddress remote;
    private volatile InetSocketAddress local;
    private final SslHandler ssl;
    private volatile PublicKey peerKey;
    private volatile String security = "plain";
    private boolean opened; // event loop only

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
        channel.pipeline().addLast(new FlushConsolidationHandler(FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
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

    @Override
    public CompletionStage<Void> send(byte[] frame) {
        if (!isOpen()) {
            return CompletableFuture.failedFuture(new IllegalStateException("connection closed"));
        }
        if (frame.length > settings.frameMax()) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                "frame of " + frame.length + " bytes exceeds frame.max " + settings.frameMax()));
        }
        CompletableFuture<Void> sent = new CompletableFuture<>();
        // Wrapped, not copied: the caller hands the array over (it is not reused in the mesh).
        channel.writeAndFlush(Unpooled.wrappedBuffer(frame)).addListener(f -> {
            if (f.isSuccess()) {
                sent.complete(null);
            } else {
                sent.completeExceptionally(f.cause());
            }
        });
        return sent;
    }

    @Override
    public boolean isWritable() {
        return channel.isWritable();
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
        if (handshake.compareAndSet(PENDING, ESTABLISHED)) {
            releaseGate(channel);
            ScheduledFuture<?> timer = handshakeTimer;
            if (timer != null) {
                timer.cancel(false);
            }
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

    /** @return whether this call decided the reason */
    private boolean closeFirst(CloseReason reason, String detail) {
        if (closing.compareAndSet(null, new Closing(reason, detail == null ? "" : detail))) {
            channel.close();
            return true;
        }
        return false;
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
