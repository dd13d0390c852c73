package io.meshnode.transport.netty.internal;

import static java.util.concurrent.TimeUnit.SECONDS;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.meshnode.api.testing.RecordingLogger;
import io.meshnode.api.transport.CloseReason;
import io.meshnode.api.transport.Connection;
import io.meshnode.api.transport.Listener;
import io.meshnode.transport.netty.internal.TestSupport.Recorder;

/**
 * TLS against plain TCP on loopback: link set-up time (connect until the dialer holds an open, authenticated
 * connection) and one-way messaging throughput. Not part of the build (the "benchmark" tag is excluded); run
 * it with the command in BENCHMARKS.md. Prints BENCH lines, asserts nothing about speed. The build runs it small
 * ({@code -Dbench.smoke=true}: 20 set-ups, 8 MiB, one pass) so that it keeps working; those lines say "smoke".
 */
@Tag("benchmark")
class TlsBench {
    private static final InetSocketAddress ANY = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    private static final boolean SMOKE = Boolean.getBoolean("bench.smoke");
    private static final String BENCH = SMOKE ? "BENCH (smoke, not a measurement) " : "BENCH ";
    private static final int SETUPS = SMOKE ? 20 : 200;
    private static final int WARMUP = SMOKE ? 5 : 50;
    private static final int FRAME = 4096;
    private static final long BYTES = SMOKE ? 8L << 20 : 256L << 20;
    private static final int PASSES = SMOKE ? 1 : 5;

    @Test
    void tlsAgainstPlain() throws Exception {
        double[] plain = run("off");
        double[] tls = run("on");
        System.out.printf(BENCH + "link set-up median: plain %.3f ms, tls %.3f ms (%.1fx)%n", plain[0], tls[0], tls[0] / plain[0]);
        System.out.printf(BENCH + "throughput %d-byte frames: plain %.0f MiB/s, tls %.0f MiB/s, ratio %.2f%n", FRAME, plain[1],
            tls[1], tls[1] / plain[1]);
        double raw = rawNettyTls();
        System.out.printf(BENCH + "throughput %d-byte frames over TLS: meshnode %.0f MiB/s, raw Netty %.0f MiB/s, ratio %.2f%n",
            FRAME, tls[1], raw, tls[1] / raw);
    }

    /**
     * The same TLS engines ({@link Tls}, TLS 1.3, Ed25519 certificates, mutual authentication), the same 4-byte length
     * prefix and water marks and the same sender (blocks on its last frame while the channel is not writable), on a bare
     * Netty pipeline: no frame queue, budget, flush consolidation or connection bookkeeping.
     *
     * @return MiB/s, the median of PASSES passes after a warm-up
     */
    private static double rawNettyTls() throws Exception {
        Tls serverTls = Tls.of(TestSupport.newKeys());
        Tls clientTls = Tls.of(TestSupport.newKeys());
        Io sockets = Io.select(true); // the transport's own choice: epoll when usable, else NIO
        io.netty.channel.EventLoopGroup group = new io.netty.channel.MultiThreadIoEventLoopGroup(2, sockets.handlerFactory());
        try {
            AtomicLong received = new AtomicLong();
            AtomicLong goal = new AtomicLong(Long.MAX_VALUE);
            CompletableFuture<?>[] done = {new CompletableFuture<Void>()};
            io.netty.channel.WriteBufferWaterMark marks = new io.netty.channel.WriteBufferWaterMark(256 * 1024, 4 << 20);
            io.netty.channel.Channel listener = new io.netty.bootstrap.ServerBootstrap().group(group)
                .channelFactory(sockets.serverChannel(ANY.getAddress()))
                .childOption(io.netty.channel.ChannelOption.TCP_NODELAY, true)
                .childHandler(new io.netty.channel.ChannelInitializer<io.netty.channel.Channel>() {
                    @Override
                    protected void initChannel(io.netty.channel.Channel ch) {
                        ch.pipeline().addLast(new io.netty.handler.ssl.SslHandler(serverTls.engine(false)),
                            new io.netty.handler.codec.LengthFieldBasedFrameDecoder(1 << 20, 0, 4, 0, 4),
                            new io.netty.channel.ChannelInboundHandlerAdapter() {
                                @Override
                                public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
                                    io.netty.buffer.ByteBuf b = (io.netty.buffer.ByteBuf) msg;
                                    byte[] copy = io.netty.buffer.ByteBufUtil.getBytes(b); // as the transport does
                                    b.release();
                                    if (received.addAndGet(copy.length) >= goal.get()) {
                                        done[0].complete(null);
                                    }
                                }
                            });
                    }
                }).bind(ANY).sync().channel();
            io.netty.channel.Channel c = new io.netty.bootstrap.Bootstrap().group(group)
                .channelFactory(sockets.channel(ANY.getAddress()))
                .option(io.netty.channel.ChannelOption.TCP_NODELAY, true)
                .option(io.netty.channel.ChannelOption.WRITE_BUFFER_WATER_MARK, marks)
                .handler(new io.netty.channel.ChannelInitializer<io.netty.channel.Channel>() {
                    @Override
                    protected void initChannel(io.netty.channel.Channel ch) {
                        ch.pipeline().addLast(new io.netty.handler.ssl.SslHandler(clientTls.engine(true)),
                            new io.netty.handler.codec.LengthFieldPrepender(4));
                    }
                }).connect(listener.localAddress()).sync().channel();
            c.pipeline().get(io.netty.handler.ssl.SslHandler.class).handshakeFuture().sync();
            byte[] frame = new byte[FRAME];
            double[] mibs = new double[PASSES];
            for (int pass = -1; pass < PASSES; pass++) {
                long bytes = pass < 0 ? BYTES >> 3 : BYTES;
                CompletableFuture<Void> passDone = new CompletableFuture<>();
                done[0] = passDone;
                received.set(0);
                goal.set(bytes);
                long t0 = System.nanoTime();
                io.netty.channel.ChannelFuture last = c.newSucceededFuture();
                for (long sent = 0; sent < bytes; sent += FRAME) {
                    if (!c.isWritable()) {
                        last.await(10, SECONDS);
                    }
                    last = c.writeAndFlush(io.netty.buffer.Unpooled.wrappedBuffer(frame));
                }
                passDone.get(120, SECONDS);
                if (pass >= 0) {
                    mibs[pass] = (bytes / (1024.0 * 1024.0)) / ((System.nanoTime() - t0) / 1e9);
                }
            }
            c.close().sync();
            listener.close().sync();
            Arrays.sort(mibs);
            return mibs[PASSES / 2];
        } finally {
            group.shutdownGracefully(0, 2, SECONDS).sync();
        }
    }

    /** @return {median set-up ms, MiB/s} */
    private static double[] run(String tls) throws Exception {
        RecordingLogger log = new RecordingLogger();
        NettyTransport server = new NettyTransport(log.logger(), TestSupport.config(Map.of("tls", tls,
            "unauthenticated.max", "10000", "unauthenticated.per.address", "10000", "write.buffer.high", "4m")), Map.of(), true);
        // The budget above the high-water mark: the sender waits on writability and never meets the budget.
        NettyTransport client = new NettyTransport(log.logger(), TestSupport.config(Map.of("tls", tls,
            "write.buffer.high", "4m", "outbound.budget", "16m")), Map.of(), true);
        try {
            AtomicLong received = new AtomicLong();
            AtomicLong goal = new AtomicLong(Long.MAX_VALUE);
            CompletableFuture<?>[] done = {new CompletableFuture<Void>()};
            Recorder serverEvents = new Recorder(true) {
                @Override
                public void frame(Connection c, byte[] frame) {
                    if (received.addAndGet(frame.length) >= goal.get()) {
                        done[0].complete(null);
                    }
                }
            };
            Listener listener = server.listen(ANY, serverEvents);
            double[] setup = new double[SETUPS - WARMUP];
            for (int i = 0; i < SETUPS; i++) {
                long t0 = System.nanoTime();
                Connection c = client.connect(listener.address(), null, new Recorder(true)).toCompletableFuture()
                    .get(10, SECONDS);
                long t1 = System.nanoTime();
                if (i >= WARMUP) {
                    setup[i - WARMUP] = (t1 - t0) / 1e6;
                }
                c.close(CloseReason.ADMIN, "bench");
            }
            Arrays.sort(setup);
            Connection c = client.connect(listener.address(), null, new Recorder(true)).toCompletableFuture().get(10, SECONDS);
            byte[] frame = new byte[FRAME];
            // A warm-up pass of an eighth, then PASSES measured passes; the median pass counts.
            double[] mibs = new double[PASSES];
            for (int pass = -1; pass < PASSES; pass++) {
                long bytes = pass < 0 ? BYTES >> 3 : BYTES;
                CompletableFuture<Void> passDone = new CompletableFuture<>();
                done[0] = passDone;
                received.set(0);
                goal.set(bytes);
                long t0 = System.nanoTime();
                CompletionStage<Void> last = CompletableFuture.completedFuture(null);
                for (long sent = 0; sent < bytes; sent += FRAME) {
                    if (!c.isWritable()) {
                        // Block, do not spin: on two cores a spinning sender takes the CPU the event loops
                        // encrypt and decrypt on. The frame sent last is written once the buffer has drained.
                        last.toCompletableFuture().get(10, SECONDS);
                    }
                    last = c.send(frame);
                }
                passDone.get(120, SECONDS);
                if (pass >= 0) {
                    mibs[pass] = (bytes / (1024.0 * 1024.0)) / ((System.nanoTime() - t0) / 1e9);
                }
            }
            Arrays.sort(mibs);
            return new double[] {setup[setup.length / 2], mibs[PASSES / 2]};
        } finally {
            client.deactivate();
            server.deactivate();
        }
    }
}
