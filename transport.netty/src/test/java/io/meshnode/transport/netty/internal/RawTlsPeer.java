package io.meshnode.transport.netty.internal;

import static java.util.concurrent.TimeUnit.SECONDS;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SslHandler;

/**
 * Raw Netty over the transport's own TLS ({@link Tls}: TLS 1.3, Ed25519 certificates, mutual authentication), as a
 * process of its own: the baseline of itest's {@code MessagingBench}, which runs two of these beside two node processes.
 * The same sockets as the transport (epoll when usable, TCP_NODELAY, two event-loop threads), a 4-byte length prefix,
 * the transport's default water marks (1 MiB high, 256 KiB low), the received bytes copied out as the transport does;
 * no queue, budget or bookkeeping.
 * <ul>
 * <li>{@code receive host:port}: listens; prints {@code BENCH rx <frames> <bytes> <nanoTime>} every 100 ms.</li>
 * <li>{@code send host:port [consolidate]}: dials, prints {@code BENCH connected}, then takes commands on standard
 * input: a frame size (send frames of that size as fast as the channel takes them, blocking on the last write while
 * the channel is not writable, as TlsBench's sender does), {@code 0} (pause), {@code quit}. Each frame is one
 * {@code writeAndFlush} from the sender's thread; with {@code consolidate}, Netty's {@link FlushConsolidationHandler}
 * sits in front of TLS as in the transport, so one TLS record carries the frames written meanwhile.</li>
 * </ul>
 * A main class, not a test: nothing runs it in the build.
 */
public final class RawTlsPeer {
    private static final int HIGH = 1 << 20;
    private static final int LOW = 256 << 10;

    private RawTlsPeer() {}

    public static void main(String[] args) throws Exception {
        int colon = args[1].lastIndexOf(':');
        InetSocketAddress address = new InetSocketAddress(InetAddress.getByName(args[1].substring(0, colon)),
            Integer.parseInt(args[1].substring(colon + 1)));
        Tls tls = Tls.of(TestSupport.newKeys());
        Io sockets = Io.select(true);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, sockets.handlerFactory());
        try {
            if (args[0].equals("receive")) {
                receive(tls, sockets, group, address);
            } else {
                send(tls, sockets, group, address, args.length > 2 && args[2].equals("consolidate"));
            }
        } finally {
            group.shutdownGracefully(0, 1, SECONDS);
        }
    }

    private static void receive(Tls tls, Io sockets, EventLoopGroup group, InetSocketAddress address) throws Exception {
        AtomicLong frames = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        new ServerBootstrap().group(group).channelFactory(sockets.serverChannel(address.getAddress()))
            .option(ChannelOption.SO_REUSEADDR, true)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel ch) {
                    ch.pipeline().addLast(new SslHandler(tls.engine(false)),
                        new LengthFieldBasedFrameDecoder(16 << 20, 0, 4, 0, 4), new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                ByteBuf b = (ByteBuf) msg;
                                byte[] copy = ByteBufUtil.getBytes(b);
                                b.release();
                                bytes.addAndGet(copy.length);
                                frames.incrementAndGet();
                            }
                        });
                }
            }).bind(address).sync();
        System.out.println("BENCH listening");
        for (;;) {
            System.out.println("BENCH rx " + frames.get() + " " + bytes.get() + " " + System.nanoTime());
            Thread.sleep(100);
        }
    }

    private static void send(Tls tls, Io sockets, EventLoopGroup group, InetSocketAddress address, boolean consolidate)
        throws Exception {
        Channel c = new Bootstrap().group(group).channelFactory(sockets.channel(address.getAddress()))
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(LOW, HIGH))
            .handler(new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel ch) {
                    ch.pipeline().addLast(new SslHandler(tls.engine(true)));
                    if (consolidate) {
                        ch.pipeline().addLast(new FlushConsolidationHandler(
                            FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
                    }
                    ch.pipeline().addLast(new LengthFieldPrepender(4));
                }
            }).connect(address).sync().channel();
        c.pipeline().get(SslHandler.class).handshakeFuture().sync();
        System.out.println("BENCH connected");
        AtomicInteger size = new AtomicInteger();
        Thread sender = new Thread(() -> {
            ChannelFuture last = c.newSucceededFuture();
            byte[] frame = new byte[0];
            while (c.isActive()) {
                int s = size.get();
                if (s == 0) {
                    LockSupport.parkNanos(10_000_000);
                    continue;
                }
                if (frame.length != s) {
                    frame = new byte[s];
                }
                if (!c.isWritable()) {
                    last.awaitUninterruptibly(10, SECONDS);
                }
                last = c.writeAndFlush(Unpooled.wrappedBuffer(frame));
            }
        }, "raw-sender");
        sender.setDaemon(true);
        sender.start();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null && !line.equals("quit");) {
            size.set(Integer.parseInt(line.trim()));
        }
        c.close().sync();
    }
}
