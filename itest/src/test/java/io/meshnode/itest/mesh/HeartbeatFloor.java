package io.meshnode.itest.mesh;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * The heartbeat's floor, for {@link MeshBench}: a process that holds the same links as a node (Netty with epoll, one
 * accepting thread and two event loops as the node's transport has, length-prefixed frames, optionally TLS 1.3 with
 * an Ed25519 key and the handshake work on two more threads) and pings every link as cheaply as this stack can: a
 * timer on the event loop that owns the channel, the ping written and flushed from there, the pong's round trip and
 * the missed count kept on the same loop. No mesh, no OSGi, no hand-off between threads, no health monitor. What this
 * process spends on 1,000 links at a 1 s interval is what the node's heartbeat could cost at best with pings moved onto
 * the event loops (BENCHMARKS.md, "Heartbeat cost").
 * <p>
 * Arguments: {@code host port interval-millis grain-millis [key-store]}. A grain above 0 puts every link's pings on a
 * grid of that many milliseconds, shared by all links, so that the pings due in one grain go out in one pass of the
 * event loop (one wake-up for all of them); 0 spreads them at random. With a key store from {@link TestKey#create}: TLS.
 * Prints {@code floor ready} once it listens; exits when its standard input closes.
 */
public final class HeartbeatFloor {
    private static final byte HELLO = 1;
    private static final byte PING = 4;
    private static final byte PONG = 5;

    private HeartbeatFloor() {}

    public static void main(String[] args) throws Exception {
        InetSocketAddress listen = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        long interval = Long.parseLong(args[2]);
        long grain = Long.parseLong(args[3]);
        TestKey key = args.length > 4 ? TestKey.open(Path.of(args[4])) : null;
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("floor-boss", true),
            EpollIoHandler.newFactory());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(2, new DefaultThreadFactory("floor-loop", true),
            EpollIoHandler.newFactory());
        ExecutorService tls = Executors.newFixedThreadPool(2, new DefaultThreadFactory("floor-tls", true));
        new ServerBootstrap().group(boss, workers).channel(EpollServerSocketChannel.class)
            .option(ChannelOption.SO_BACKLOG, 1024).childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    if (key != null) {
                        ch.pipeline().addLast(new SslHandler(key.engine(false), tls));
                    }
                    ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(1 << 20, 0, 4, 0, 4),
                        new Link(interval, grain, key != null));
                }
            }).bind(listen).sync();
        System.out.println("floor ready");
        System.out.flush();
        while (System.in.read() >= 0) {
            // until the benchmark ends
        }
        System.exit(0);
    }

    /** One link's heartbeat, entirely on its channel's event loop. */
    private static final class Link extends ChannelInboundHandlerAdapter {
        private final long interval;
        private final long grain;
        private final boolean tls;
        private ScheduledFuture<?> timer;
        private long nonce;
        private boolean answered = true;
        private int missed;
        private long rttMicros;

        Link(long interval, long grain, boolean tls) {
            this.interval = interval;
            this.grain = grain;
            this.tls = tls;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent e && !e.isSuccess()) {
                ctx.close();
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf frame = (ByteBuf) msg;
            try {
                byte type = frame.getByte(frame.readerIndex());
                if (type == HELLO && timer == null) {
                    // The swarm counts a link once its hello is answered by a frame of type hello.
                    ctx.writeAndFlush(ctx.alloc().buffer(5).writeInt(1).writeByte(HELLO));
                    long now = System.nanoTime();
                    long first = now + TimeUnit.MILLISECONDS.toNanos(ThreadLocalRandom.current().nextLong(interval));
                    if (grain > 0) {
                        long g = TimeUnit.MILLISECONDS.toNanos(grain);
                        first = Math.floorDiv(first + g - 1, g) * g;
                    }
                    timer = ctx.executor().scheduleAtFixedRate(() -> ping(ctx), first - now,
                        TimeUnit.MILLISECONDS.toNanos(interval), TimeUnit.NANOSECONDS);
                } else if (type == PONG && frame.readableBytes() == 17 && frame.getLong(frame.readerIndex() + 1) == nonce) {
                    answered = true;
                    missed = 0;
                    rttMicros = (System.nanoTime() - frame.getLong(frame.readerIndex() + 9)) / 1_000;
                }
            } finally {
                frame.release();
            }
        }

        private void ping(ChannelHandlerContext ctx) {
            if (!answered && ++missed >= 3) {
                ctx.close(); // three missed: the link is dead, as the node's default heartbeat judges it
                return;
            }
            answered = false;
            nonce++;
            ctx.writeAndFlush(ctx.alloc().buffer(21).writeInt(17).writeByte(PING).writeLong(nonce)
                .writeLong(System.nanoTime()));
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (timer != null) {
                timer.cancel(false);
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }

        @Override
        public String toString() {
            return "link " + (tls ? "tls" : "plain") + " rtt " + rttMicros + " us, missed " + missed;
        }
    }
}
