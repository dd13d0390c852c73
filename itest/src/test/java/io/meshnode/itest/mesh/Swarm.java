package io.meshnode.itest.mesh;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * Many minimal peers on one Netty event loop, for benchmarks. Each says hello (protocol version 2) as a masternode
 * and answers pings with pongs; it never pings, so the node under test pays for its own heartbeats only.
 * <p>
 * Plain ({@link #plain}): made-up ids, for a node with {@code tls = off}, whose peers' ids are claimed. TLS
 * ({@link #tls}): TLS 1.3 with an Ed25519 key and certificate of each peer's own ({@link TestKey#sibling()}), its id
 * derived from its key, so the node authenticates every link as it does a real node's.
 * <p>
 * Either the node dials the peers ({@link #listen}: each on its own endpoint) or the peers dial the node ({@link #dial}:
 * from 250 source addresses, a bounded number of handshakes at a time). Addresses are in 127.1.22.0/24.
 */
final class Swarm implements AutoCloseable {
    private static final String HOSTS = "127.1.22.";
    private static final int ADDRESSES = 250;
    private static final byte HELLO = 1;
    private static final byte REFUSE = 2;
    private static final byte PING = 4;
    private static final byte PONG = 5;

    /** Where the peers listen ({@link #listen}) or what they claim to listen on ({@link #dial}), host:port. */
    final List<String> endpoints = new ArrayList<>();
    private final List<String> ids = new ArrayList<>();
    /** One key per peer; {@code null} for plain TCP. */
    private final List<TestKey> keys;
    private final EventLoopGroup loop;
    private final List<Channel> servers = new ArrayList<>();
    private final AtomicInteger linked = new AtomicInteger();
    private final AtomicInteger lost = new AtomicInteger();
    private final AtomicLong pongs = new AtomicLong();
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    private volatile long firstDial;
    private volatile long lastLink;
    private final AtomicInteger failed = new AtomicInteger();
    /** Runs the TLS handshakes' computations, so that the event loop answers pings on time meanwhile. */
    private final ExecutorService tlsTasks = Executors.newFixedThreadPool(2, new DefaultThreadFactory("swarm-tls", true));
    // Dialing state, on the event loop only.
    private InetSocketAddress node;
    /** Peers to dial; one whose dial or handshake failed is dialed again later, as a node would. */
    private final ArrayDeque<Integer> toDial = new ArrayDeque<>();

    private Swarm(int count, int port, List<TestKey> keys) {
        this.keys = keys;
        for (int i = 0; i < count; i++) {
            endpoints.add(HOSTS + (1 + i % ADDRESSES) + ":" + (port + i / ADDRESSES));
            ids.add(keys != null ? keys.get(i).id : String.format("%040x", 0xC0FFEE000L + i));
        }
        loop = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("swarm", true), NioIoHandler.newFactory());
    }

    /** {@code count} plain-TCP peers with made-up ids, endpoints from {@code port} on. */
    static Swarm plain(int count, int port) {
        return new Swarm(count, port, null);
    }

    /** {@code count} TLS peers, each with a key of its own made from one keytool key stored in {@code dir}. */
    static Swarm tls(int count, int port, Path dir) throws IOException, InterruptedException, GeneralSecurityException {
        TestKey first = TestKey.create(dir);
        List<TestKey> keys = new ArrayList<>(List.of(first));
        while (keys.size() < count) {
            keys.add(first.sibling());
        }
        return new Swarm(count, port, keys);
    }

    /** Every peer listens on its endpoint (for a node that has them as its configured peers). */
    Swarm listen() throws InterruptedException {
        for (int i = 0; i < endpoints.size(); i++) {
            int peer = i;
            servers.add(new ServerBootstrap().group(loop).channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true).childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(pipeline(peer, false)).bind(endpoint(peer)).sync().channel());
        }
        return this;
    }

    /** Every peer dials {@code node}, at most {@code inFlight} handshakes at a time; returns at once. */
    void dial(InetSocketAddress node, int inFlight) {
        loop.execute(() -> {
            this.node = node;
            firstDial = System.nanoTime();
            for (int i = 0; i < endpoints.size(); i++) {
                toDial.add(i);
            }
            for (int k = 0; k < inFlight; k++) {
                dialNext();
            }
        });
    }

    private void dialNext() {
        Integer peer = toDial.poll();
        if (peer == null) {
            return;
        }
        new Bootstrap().group(loop).channel(NioSocketChannel.class).option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 5_000).handler(pipeline(peer, true))
            .connect(node, new InetSocketAddress(endpoint(peer).getAddress(), 0)).addListener(f -> {
                if (!f.isSuccess()) {
                    failed("dial " + peer + ": " + f.cause(), peer);
                }
            });
    }

    /** A dial or handshake that did not end with the node's hello: noted, and the peer dialed again later. */
    private void failed(String why, int peer) {
        failed.incrementAndGet();
        failures.add(why);
        redial(peer);
    }

    /**
     * Dials {@code peer} again after a second, its place among the handshakes in flight kept meanwhile: a redial at once
     * into a node that refuses at once (a ban, a cap) would spin this loop and leave pings unanswered.
     */
    private void redial(int peer) {
        loop.schedule(() -> {
            toDial.addFirst(peer);
            dialNext();
        }, 1, TimeUnit.SECONDS);
    }

    private InetSocketAddress endpoint(int peer) {
        String e = endpoints.get(peer);
        int colon = e.lastIndexOf(':');
        return new InetSocketAddress(e.substring(0, colon), Integer.parseInt(e.substring(colon + 1)));
    }

    private ChannelInitializer<SocketChannel> pipeline(int peer, boolean dialing) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                if (keys != null) {
                    ch.pipeline().addLast(new SslHandler(keys.get(peer).engine(dialing), tlsTasks));
                }
                ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(1 << 20, 0, 4, 0, 4), new Peer(peer, dialing));
            }
        };
    }

    /** @return links on which the node answered the hello with its own */
    int linked() {
        return linked.get();
    }

    /** @return links the node closed after answering the hello (dialing peers dial again) */
    int lost() {
        return lost.get();
    }

    long pongs() {
        return pongs.get();
    }

    /** @return seconds from the first dial to the last link */
    double dialSeconds() {
        return (lastLink - firstDial) / 1e9;
    }

    /** @return dials and handshakes that failed (each was tried again) */
    int failed() {
        return failed.get();
    }

    /** @return the first few reasons links failed or were refused */
    List<String> failures() {
        return failures.stream().limit(5).toList();
    }

    private final class Peer extends ChannelInboundHandlerAdapter {
        private final int index;
        private final boolean dialing;
        private boolean helloAnswered;

        Peer(int index, boolean dialing) {
            this.index = index;
            this.dialing = dialing;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            if (keys == null) {
                hello(ctx);
            }
            ctx.fireChannelActive();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent e) {
                if (e.isSuccess()) {
                    hello(ctx);
                } else {
                    failures.add("TLS " + index + ": " + e.cause());
                }
            }
        }

        private void hello(ChannelHandlerContext ctx) {
            InetSocketAddress claimed = endpoint(index);
            byte[] hello = TestKey.hello(ids.get(index), claimed);
            ctx.writeAndFlush(ctx.alloc().buffer(4 + hello.length).writeInt(hello.length).writeBytes(hello));
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf frame = (ByteBuf) msg;
            try {
                byte type = frame.getByte(frame.readerIndex());
                if (type == PING && frame.readableBytes() == 17) {
                    pongs.incrementAndGet();
                    ctx.writeAndFlush(ctx.alloc().buffer(21).writeInt(17).writeByte(PONG)
                        .writeBytes(frame, frame.readerIndex() + 1, 16));
                } else if (type == HELLO && !helloAnswered) {
                    helloAnswered = true;
                    linked.incrementAndGet();
                    lastLink = System.nanoTime();
                    if (dialing) {
                        dialNext();
                    }
                } else if (type == REFUSE) {
                    failures.add("refused " + index + ": " + frame.toString(frame.readerIndex() + 3,
                        frame.readableBytes() - 3, StandardCharsets.UTF_8));
                }
            } finally {
                frame.release();
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (helloAnswered) {
                lost.incrementAndGet();
                if (dialing) { // as a node would: the node under test keeps its count of links
                    redial(index);
                }
            } else {
                if (dialing) {
                    failed("closed before the node's hello: " + index, index);
                } else {
                    failures.add("closed before the node's hello: " + index);
                }
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            failures.add(index + ": " + cause);
            ctx.close();
        }
    }

    @Override
    public void close() {
        servers.forEach(Channel::close);
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        tlsTasks.shutdownNow();
    }
}
