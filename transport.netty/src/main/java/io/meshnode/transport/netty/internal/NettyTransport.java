package io.meshnode.transport.netty.internal;

import static java.util.concurrent.TimeUnit.SECONDS;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import javax.net.ssl.SSLEngine;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import io.meshnode.api.config.ConfigException;
import io.meshnode.api.config.ConfigValues;
import io.meshnode.api.transport.CloseReason;
import io.meshnode.api.transport.Connection;
import io.meshnode.api.transport.ConnectionHandler;
import io.meshnode.api.transport.Direction;
import io.meshnode.api.transport.Listener;
import io.meshnode.api.transport.Transport;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;

/** TCP transport on Netty: 4-byte big-endian length prefix, then the frame. */
@Component(service = Transport.class, immediate = true, configurationPid = NettyTransport.PID,
    configurationPolicy = ConfigurationPolicy.OPTIONAL, property = "service.ranking:Integer=0")
@Designate(ocd = NettyTransport.Config.class)
public class NettyTransport implements Transport {
    static final String PID = "meshnode.transport";
    private static final long BIND_TIMEOUT_SECONDS = 5;

    // No pid here: @Designate already designates the component's PID, and bnd rejects the duplicate.
    @ObjectClassDefinition(name = "Meshnode transport",
        description = "Netty TCP transport (etc/meshnode.transport.cfg). Changes apply to connections opened"
            + " afterwards.")
    public @interface Config {
        @AttributeDefinition(name = "frame.max", description = "Largest frame in bytes, 1024 to 67108864; units"
            + " allowed (64k, 1m, 1MiB). A larger frame closes the connection.")
        String frame_max() default "1048576";

        @AttributeDefinition(name = "connect.timeout", description = "How long a dial may take (duration with unit).")
        String connect_timeout() default "3s";

        @AttributeDefinition(name = "handshake.timeout",
            description = "How long a new connection may stay unestablished before it is closed.")
        String handshake_timeout() default "5s";

        @AttributeDefinition(name = "write.buffer.high", description = "Data bytes waiting per connection above"
            + " which it reports not writable; also the most data handed to the socket ahead of a control frame.")
        String write_buffer_high() default "1048576";

        @AttributeDefinition(name = "write.buffer.low",
            description = "Data bytes waiting below which a connection reports writable again.")
        String write_buffer_low() default "262144";

        @AttributeDefinition(name = "outbound.budget", description = "Data bytes that may wait per connection (at"
            + " least write.buffer.high); a send past it fails at once. Units allowed (4m, 512KiB).")
        String outbound_budget() default "4m";

        @AttributeDefinition(name = "outbound.control.max", description = "Control bytes (pings, pongs, goodbyes)"
            + " that may wait per connection; past it the peer is not reading and the connection closes (OVERLOADED).")
        String outbound_control_max() default "64k";

        @AttributeDefinition(name = "close.deadline", description = "How long a close waits for its last frame"
            + " (goodbye, refusal) to be written before it closes the socket anyway.")
        String close_deadline() default "1s";

        @AttributeDefinition(name = "tcp.user.timeout", description = "Linux (epoll) TCP_USER_TIMEOUT: the kernel"
            + " closes a connection whose sent data stays unacknowledged this long. 0s: the kernel's default.")
        String tcp_user_timeout() default "30s";

        @AttributeDefinition(description = "on: every link is TLS 1.3 with mutual authentication by the node keys."
            + " off: plain TCP, peers are not authenticated (a warning at start and in mesh:status).")
        String tls() default "on";

        @AttributeDefinition(name = "unauthenticated.max", description = "Inbound connections that have not completed"
            + " TLS and hello yet, overall; more are closed at once.")
        String unauthenticated_max() default "256";

        @AttributeDefinition(name = "unauthenticated.per.address", description = "Inbound connections that have not"
            + " completed TLS and hello yet, per source address; more are closed at once.")
        String unauthenticated_per_address() default "8";
    }

    private final Logger log;
    private final Io io;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final AtomicLong ids = new AtomicLong();
    private final Set<NettyConnection> connections = ConcurrentHashMap.newKeySet();
    private final Set<NettyListener> listeners = ConcurrentHashMap.newKeySet();
    private final Gate gate = new Gate();
    /** Runs the TLS handshake's computations (signatures, key agreement) off the event loops, so pings stay on time. */
    private final TlsWork tlsTasks;
    private final AtomicLong overCap = new AtomicLong();
    private volatile Settings settings;
    private volatile Tls tls;
    private volatile boolean stopping;

    @Activate
    public NettyTransport(@Reference(service = LoggerFactory.class) Logger log, Config config,
        Map<String, Object> properties) {
        this(log, config, properties, true);
    }

    /** @param tryEpoll {@code false} forces NIO (tests) */
    NettyTransport(Logger log, Config config, Map<String, Object> properties, boolean tryEpoll) {
        this.log = log;
        Settings s = Settings.DEFAULTS;
        try {
            s = Settings.from(config, ConfigValues.of(properties, PID));
        } catch (ConfigException e) {
            log.error("{}; using the default transport configuration", e.getMessage());
        }
        this.settings = s;
        warnIfPlain(null, s);
        this.io = Io.select(tryEpoll);
        // Daemon threads: a framework that exits without stopping this bundle must not hang on them.
        this.boss = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("meshnode-transport-boss", true),
            io.handlerFactory());
        int threads = Math.min(2, Runtime.getRuntime().availableProcessors());
        this.workers = new MultiThreadIoEventLoopGroup(threads,
            new DefaultThreadFactory("meshnode-transport-worker", true), io.handlerFactory());
        this.tlsTasks = new TlsWork(threads, new DefaultThreadFactory("meshnode-transport-tls", true));
        if (s.tls()) {
            tlsTasks.execute(TlsWork.LAST, () -> {
                try {
                    Tls.warmUp();
                } catch (GeneralSecurityException | java.io.IOException | RuntimeException e) {
                    log.debug("TLS warm-up: {}", describe(e));
                }
            });
        }
        log.info("transport started with {} I/O", io.name());
    }

    @Modified
    void modified(Config config, Map<String, Object> properties) {
        try {
            Settings next = Settings.from(config, ConfigValues.of(properties, PID));
            warnIfPlain(settings, next);
            settings = next;
        } catch (ConfigException e) {
            log.error("{}; keeping the previous transport configuration", e.getMessage());
        }
    }

    @Deactivate
    void deactivate() {
        stopping = true;
        List.copyOf(listeners).forEach(NettyListener::close);
        connections.forEach(c -> c.close(CloseReason.SHUTDOWN, "transport stopped"));
        // No quiet period: the queued channelInactive tasks (handler.closed) still run before termination.
        Future<?> b = boss.shutdownGracefully(0, 2, SECONDS);
        Future<?> w = workers.shutdownGracefully(0, 2, SECONDS);
        if (!b.awaitUninterruptibly(5, SECONDS) || !w.awaitUninterruptibly(5, SECONDS)) {
            log.warn("transport event loops did not stop within 5s");
        }
        tlsTasks.shutdownNow();
    }

    Settings settings() {
        return settings;
    }

    private void warnIfPlain(Settings previous, Settings next) {
        if (!next.tls() && (previous == null || previous.tls())) {
            log.warn("tls = off: links are plain TCP; peers are NOT authenticated and traffic is not encrypted"
                + " (applies to connections opened from now on)");
        } else if (next.tls() && previous != null && !previous.tls()) {
            log.info("tls = on: connections opened from now on are TLS 1.3 with mutual authentication");
        }
    }

    @Override
    public boolean authenticates() {
        return settings.tls();
    }

    /**
     * Builds the TLS context for the handler's key on the TLS pool, so that the first connection finds it
     * ready; asynchronous, so that listening (and the node's ready line) does not wait for it.
     */
    private void prepareTls(ConnectionHandler handler) {
        KeyPair keys = settings.tls() ? handler.identity() : null;
        Tls current = tls;
        if (keys != null && (current == null || !current.isFor(keys)) && !stopping) {
            tlsTasks.execute(TlsWork.FIRST, () -> {
                try {
                    tls(keys);
                } catch (GeneralSecurityException | RuntimeException e) {
                    log.error("cannot set up TLS: {}", describe(e)); // and each connection fails with it
                }
            });
        }
    }

    /** The TLS context for the handler's key pair, built once per key. */
    private Tls tls(KeyPair keys) throws GeneralSecurityException {
        Tls t = tls;
        if (t == null || !t.isFor(keys)) {
            t = Tls.of(keys);
            tls = t;
        }
        return t;
    }

    @Override
    public Listener listen(InetSocketAddress address, ConnectionHandler handler) throws IOException {
        String where = ConfigValues.format(address);
        if (stopping) {
            throw new IOException("cannot listen on " + where + ": transport stopped");
        }
        prepareTls(handler);
        ChannelFuture bound = new ServerBootstrap()
            .group(boss, workers)
            .channelFactory(io.serverChannel(address.getAddress()))
            .option(ChannelOption.SO_REUSEADDR, true)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childOption(ChannelOption.SO_KEEPALIVE, true)
            .childHandler(inbound(handler))
            .bind(address);
        if (!bound.awaitUninterruptibly(BIND_TIMEOUT_SECONDS, SECONDS)) {
            bound.channel().close();
            throw new IOException(
                "cannot listen on " + where + ": bind did not complete within " + BIND_TIMEOUT_SECONDS + "s");
        }
        if (!bound.isSuccess()) {
            throw new IOException("cannot listen on " + where + ": " + describe(bound.cause()), bound.cause());
        }
        NettyListener listener = new NettyListener(bound.channel());
        listeners.add(listener);
        if (stopping) {
            listener.close();
            throw new IOException("cannot listen on " + where + ": transport stopped");
        }
        log.info("listening on {}", ConfigValues.format(listener.address()));
        return listener;
    }

    @Override
    public CompletionStage<Connection> connect(InetSocketAddress remote, InetSocketAddress local,
        ConnectionHandler handler) {
        String where = ConfigValues.format(remote);
        if (stopping) {
            return CompletableFuture.failedFuture(
                new IOException("cannot connect to " + where + ": transport stopped"));
        }
        prepareTls(handler);
        CompletableFuture<Connection> dial = new CompletableFuture<>();
        Bootstrap bootstrap = new Bootstrap()
            .group(workers)
            .channelFactory(io.channel(remote.getAddress()))
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, settings.connectTimeoutMillis())
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.SO_KEEPALIVE, true)
            .handler(initializer(Direction.OUTBOUND, handler, dial));
        ChannelFuture connected = local == null ? bootstrap.connect(remote)
            : bootstrap.connect(remote, local.getPort() == 0 ? local : new InetSocketAddress(local.getAddress(), 0));
        connected.addListener(f -> {
            if (!f.isSuccess()) {
                dial.completeExceptionally(
                    new IOException("cannot connect to " + where + ": " + describe(f.cause()), f.cause()));
            }
        });
        return dial;
    }

    private ChannelInitializer<Channel> initializer(Direction direction, ConnectionHandler handler,
        CompletableFuture<Connection> dial) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                Settings s = settings;
                SSLEngine engine = null;
                if (s.tls()) {
                    try {
                        KeyPair keys = handler.identity();
                        if (keys == null) {
                            throw new GeneralSecurityException("the connection's owner has no node key (tls = on)");
                        }
                        engine = tls(keys).engine(direction == Direction.OUTBOUND);
                    } catch (GeneralSecurityException | RuntimeException e) {
                        log.error("cannot set up TLS: {}", describe(e));
                        if (dial != null) {
                            dial.completeExceptionally(new IOException("cannot set up TLS: " + describe(e), e));
                        }
                        ch.close();
                        return;
                    }
                }
                io.userTimeout(ch, s.tcpUserTimeout());
                long id = ids.incrementAndGet();
                new NettyConnection(id, direction, ch, handler, s, NettyTransport.this, log, dial, engine,
                    tlsTasks.connection(id, ch::isOpen));
            }
        };
    }

    /**
     * Accepted connections: a banned source or one over the caps on unauthenticated connections is closed
     * before any handler, buffer or TLS engine exists for it.
     */
    private ChannelInitializer<Channel> inbound(ConnectionHandler handler) {
        ChannelInitializer<Channel> setup = initializer(Direction.INBOUND, handler, null);
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                InetSocketAddress remote = (InetSocketAddress) ch.remoteAddress();
                Settings s = settings;
                boolean accepted;
                try {
                    accepted = handler.accept(remote);
                } catch (RuntimeException e) {
                    log.error("connection handler failed to judge {}: {}", ConfigValues.format(remote), e.toString());
                    accepted = false;
                }
                if (!accepted) {
                    log.debug("closed a connection from {}: refused by the mesh (banned)", ConfigValues.format(remote));
                    reset(ch);
                    return;
                }
                if (!gate.enter(remote.getAddress(), s.unauthenticatedMax(), s.unauthenticatedPerAddress())) {
                    long n = overCap.incrementAndGet();
                    // 1, 10, 100, ...: a flood is visible in the log without one line per connection.
                    if (Long.toString(n).matches("10*")) {
                        log.warn("closed a connection from {} at once: over the cap of unauthenticated connections"
                            + " ({} per address, {} overall); {} closed so far", ConfigValues.format(remote),
                            s.unauthenticatedPerAddress(), s.unauthenticatedMax(), n);
                    }
                    reset(ch);
                    return;
                }
                // Released when the connection establishes, or when it closes without having done so.
                ch.attr(NettyConnection.GATE).set(() -> gate.leave(remote.getAddress()));
                ch.closeFuture().addListener(f -> NettyConnection.releaseGate(ch));
                ch.pipeline().addLast(setup);
            }
        };
    }

    /** Closes without a FIN handshake or TIME_WAIT on this side: nothing is owed to a refused connection. */
    private static void reset(Channel ch) {
        ch.config().setOption(ChannelOption.SO_LINGER, 0);
        ch.close();
    }

    /** For tests: the I/O implementation. */
    Io io() {
        return io;
    }

    /** For tests: unauthenticated inbound connections held now. */
    int unauthenticated() {
        return gate.total();
    }

    /** @return {@code false} if the transport is stopping and the connection must close */
    boolean register(NettyConnection connection) {
        connections.add(connection);
        // Checked after adding: either deactivate sees the connection or the connection sees stopping.
        return !stopping;
    }

    void unregister(NettyConnection connection) {
        connections.remove(connection);
    }

    /** An operator-readable cause, without the syscall prefix and address suffix that Netty adds. */
    static String describe(Throwable t) {
        String m = t.getMessage();
        if (m == null || m.isBlank()) {
            return t.getClass().getSimpleName();
        }
        return m.replaceFirst("^\\w+\\(\\.\\.\\) failed: ", "").replaceFirst(": \\S*/\\S+:\\d+$", "");
    }

    final class NettyListener implements Listener {
        final Channel channel;
        final AtomicBoolean closed = new AtomicBoolean();

        NettyListener(Channel channel) {
            this.channel = channel;
        }

        @Override
        public InetSocketAddress address() {
            return (InetSocketAddress) channel.localAddress();
        }

        /**
         * Synchronous for every caller, not only the first: the port is free on return (but an event loop is never
         * blocked). The transport's deactivation and the mesh leaving this transport for its replacement both close
         * it, from two threads; the one that came second used to return at once and bind the replacement's listener
         * to a port still held ("Address already in use", seen in the chaos soak).
         */
        @Override
        public void close() {
            if (closed.compareAndSet(false, true)) {
                listeners.remove(this);
                channel.close();
            }
            if (!channel.eventLoop().inEventLoop()) {
                channel.closeFuture().awaitUninterruptibly(BIND_TIMEOUT_SECONDS, SECONDS);
            }
        }

        @Override
        public String toString() {
            return "listener " + ConfigValues.format(address());
        }
    }
}
