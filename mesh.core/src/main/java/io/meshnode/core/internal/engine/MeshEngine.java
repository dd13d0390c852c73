package io.meshnode.core.internal.engine;

import java.net.InetSocketAddress;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;

import org.osgi.service.log.Logger;

import io.meshnode.api.config.ConfigValues;
import io.meshnode.api.mesh.BanDTO;
import io.meshnode.api.mesh.NodeDTO;
import io.meshnode.api.mesh.PeerDTO;
import io.meshnode.api.mesh.PeerState;
import io.meshnode.api.transport.CloseReason;
import io.meshnode.api.transport.Connection;
import io.meshnode.api.transport.ConnectionHandler;
import io.meshnode.api.transport.Transport;
import io.meshnode.core.internal.config.KnownPeers;
import io.meshnode.core.internal.config.MeshSettings;
import io.meshnode.core.internal.config.SavedState;
import io.meshnode.core.internal.config.MeshSettings.PeerSpec;
import io.meshnode.core.internal.security.Admission;
import io.meshnode.core.internal.security.BanList;
import io.meshnode.core.internal.security.Identity;
import io.meshnode.core.internal.security.Security;

/**
 * The mesh, free of OSGi: the coordinator of the engine's rooms and the one facade the component and the tests
 * talk to. It owns the life cycle, the configuration, the bound services and the listener; a peer's dials are
 * {@link DialPlanner}'s, a connection's life is {@link LinkLifecycle}'s, frames are {@link FrameDispatcher}'s,
 * the heartbeat is {@link HealthDriver}'s, reporting is {@link PeerReporter}'s. Every method runs on the
 * scheduler's thread except the transport callbacks, which only post work to it, so the transport's event loops
 * never wait for the mesh.
 */
public final class MeshEngine {
    private final Scheduler clock;
    private final Logger log;
    private final Events events;
    private final NodeState node;
    private final PeerTable table = new PeerTable();
    private final Plugins plugins;
    private final BanList bans;
    private final KnownPeers known;
    private final LinkIo io;
    private final PeerReporter reporter;
    private final DialPlanner planner;
    private final HealthDriver health;
    private final LinkLifecycle lifecycle;
    private final FrameDispatcher dispatcher;
    private final PeerActions actions;
    private final Shape shape;
    private final Listening listening;
    private long nonces;
    /** Frames not yet handled, per connection; the transport's threads count up, the mesh thread down. */
    private final Map<Connection, AtomicInteger> backlog = new ConcurrentHashMap<>();
    private final AtomicLong readPauses = new AtomicLong();
    static final int PAUSE_READS_AT = 256;
    static final int RESUME_READS_AT = 64;
    private final LagProbe lag;
    private CompletableFuture<Void> farewell = CompletableFuture.completedFuture(null);
    /** The transport whose links {@link #farewell} says goodbye on. */
    private Transport farewellOf;

    public MeshEngine(Scheduler clock, Logger log, Identity identity, KnownPeers known, Services services, Events events,
        DoubleSupplier random) {
        this.clock = clock;
        this.log = log;
        this.events = events;
        this.known = known;
        this.node = new NodeState(identity);
        this.bans = new BanList(clock);
        this.plugins = new Plugins(services, log, random);
        this.io = new LinkIo(log);
        DialPlanner[] dialer = new DialPlanner[1];
        this.reporter = new PeerReporter(clock, log, events, p -> dialer[0].dials(p));
        this.planner = new DialPlanner(clock, log, node, table, plugins, reporter, random, Handler::new);
        dialer[0] = planner;
        this.health = new HealthDriver(clock, log, plugins, io, table, reporter, () -> ++nonces);
        this.shape = new Shape(node, table, plugins, planner, io, reporter);
        this.lifecycle = new LinkLifecycle(clock, log, node, table, io, new Handshake(node, table, plugins), planner,
            health, reporter, plugins, bans, known, shape::reshape);
        this.dispatcher = new FrameDispatcher(clock, log, io, health, lifecycle, events);
        this.actions = new PeerActions(clock, log, table, io, planner, reporter, () -> ++nonces);
        this.listening = new Listening(clock, log, node, events, new Handler(null));
        this.lag = new LagProbe(clock);
    }

    // ---------------------------------------------------------------- life cycle and configuration

    public void start(MeshSettings initial) {
        start(initial, false);
    }

    /**
     * @param prompt {@code true} when this mesh replaces one that stopped a moment ago in the same node (a
     *            mesh.core update): every peer is dialed at once, whichever side is the designated dialer, so
     *            the peers, which saw only a short goodbye, get their links back without waiting out a grace
     */
    public void start(MeshSettings initial, boolean prompt) {
        start(initial, prompt, SavedState.EMPTY, 0);
    }

    /**
     * @param saved what the previous mesh of this node left in data/mesh.state: failure counts, parks, probes and
     *            backoffs of its peers, bans and offences; a parked peer stays parked and undialed, a peer in backoff
     *            keeps its schedule, less {@code elapsed}
     * @param elapsed milliseconds since {@code saved} was written
     */
    public void start(MeshSettings initial, boolean prompt, SavedState saved, long elapsed) {
        node.settings = initial;
        lag.start();
        bans.restore(saved.bans(), elapsed);
        List<Peer> added = initial.peers().stream().map(this::addConfigured).toList();
        shape.replan();
        List<Peer> resumed = new ArrayList<>();
        for (Peer p : added) {
            SavedState.SavedPeer s = saved.peers().get(ConfigValues.format(p.endpoint));
            if (s != null && (s.id() == null || p.id == null || s.id().equals(p.id)) && planner.resume(p, s, elapsed)) {
                resumed.add(p);
            } else {
                planner.plan(p, false);
            }
        }
        servicesChanged();
        if (prompt) {
            // The peers saw only a short goodbye: they get their links back at once, except those this node had
            // given up on or was backing off from, which keep their schedule.
            table.snapshot().stream().filter(p -> !resumed.contains(p)).forEach(planner::redialNow);
        }
    }

    /** @return what the next mesh of this node needs to pick up where this one leaves off (data/mesh.state) */
    public SavedState save() {
        Map<String, SavedState.SavedPeer> peers = new LinkedHashMap<>();
        long now = clock.now();
        for (Peer p : table.all()) {
            if (!p.configured) {
                continue;
            }
            long at = p.nextAttemptAt();
            peers.put(ConfigValues.format(p.endpoint), new SavedState.SavedPeer(ConfigValues.format(p.endpoint), p.id,
                p.failures, p.previousDelay.toMillis(), p.quickCloses, p.phase.shown() == PeerState.PARKED,
                at > 0 ? Math.max(0, at - now) : -1, p.arrivals.toArray()));
        }
        return new SavedState(clock.wallClock(), peers, bans.save());
    }

    /** Applies {@code admit} and the ban policy; a live link to a node no longer admitted is closed. */
    public void admission(Admission next) {
        reconfigure(null, next);
    }

    public void reconfigure(MeshSettings next) {
        reconfigure(next, null);
    }

    /**
     * Applies a changed etc/meshnode.mesh.cfg: peers and admission together, so that an edit that pins peers
     * and narrows {@code admit} at once (or widens {@code admit} and unpins) closes no link on the way.
     *
     * @param next the new settings, or {@code null} if they did not parse (the previous ones stay)
     * @param nextAdmission the new admission, or {@code null} if it did not parse
     */
    public void reconfigure(MeshSettings next, Admission nextAdmission) {
        if (nextAdmission != null) {
            node.admission = nextAdmission;
            bans.policy(nextAdmission.bans());
        }
        if (next != null) {
            applySettings(next);
        }
        enforceAdmission();
    }

    private void applySettings(MeshSettings next) {
        MeshSettings previous = node.settings;
        node.settings = next;
        if (!previous.listen().equals(next.listen())) {
            log.info("listen address changed from {} to {}: rebinding (links stay up)",
                ConfigValues.format(previous.listen()), ConfigValues.format(next.listen()));
            listening.close();
            listening.listen();
        }
        Map<InetSocketAddress, PeerSpec> wanted = new LinkedHashMap<>();
        next.peers().forEach(spec -> wanted.put(spec.endpoint(), spec));
        for (Peer p : table.snapshot()) {
            PeerSpec spec = wanted.remove(p.endpoint);
            if (spec == null && p.configured) {
                remove(p, "removed from the configuration");
            } else if (spec != null) {
                boolean wasConfigured = p.configured;
                p.configured = true;
                if (spec.id() != null) {
                    // Pinning the id already learned from the peer pins it too: from now on no other key may take
                    // this endpoint over.
                    p.id = spec.id();
                    p.pinned = true;
                    Link l = p.live();
                    if (l != null && !spec.id().equals(l.hello.id())) {
                        io.goodbye(l, CloseReason.ADMIN, "pinned id changed in the configuration");
                    }
                } else {
                    p.pinned = false;
                }
                if (!wasConfigured || p.phase.shown() == PeerState.PARKED) {
                    planner.revive(p, "configuration changed");
                }
            }
        }
        List<Peer> added = wanted.values().stream().map(this::addConfigured).toList();
        shape.reshape();
        added.forEach(p -> planner.plan(p, false));
    }

    /**
     * Closes the live links of peers that the current admission no longer lets in (after {@code admit} went
     * from {@code any} to {@code peers}, or a peer was unpinned under {@code peers}): admission is checked at
     * every hello, and a configuration change must not leave a link open that its hello would not get now.
     */
    private void enforceAdmission() {
        if (node.admission.admit() == Admission.Mode.ANY) {
            return;
        }
        for (Peer p : table.snapshot()) {
            if (p.live() != null && !p.pinned) {
                log.warn("closing the link to {}: no longer admitted (admit = peers and its id is not pinned)", p);
                io.goodbye(p.live(), CloseReason.ADMIN, "no longer admitted");
            }
        }
    }

    /** Adds a configured peer to the table; the caller plans its first contact once the shape is known. */
    private Peer addConfigured(PeerSpec spec) {
        Peer p = new Peer(spec.endpoint());
        p.configured = true;
        p.pinned = spec.id() != null;
        p.id = p.pinned ? spec.id() : known.id(ConfigValues.format(spec.endpoint()));
        table.add(p);
        reporter.changed(p, null);
        return p;
    }

    /** Takes {@code p} out of the table; its live link and any dial of ours under way are closed or abandoned. */
    private void remove(Peer p, String why) {
        PeerState before = p.phase.shown();
        p.cancelTimer();
        Link live = p.live();
        Dial dial = p.dial();
        table.remove(p);
        p.phase = new Phase.Idle(PeerState.IDLE);
        if (live != null) {
            io.goodbye(live, CloseReason.ADMIN, why);
        }
        if (dial != null && dial.link != null) {
            io.goodbye(dial.link, CloseReason.ADMIN, why);
        }
        log.info("peer {} {}", p, why);
        p.cause = why;
        reporter.changed(p, before);
        shape.reshape();
    }

    public void servicesChanged() {
        if (node.stopped) {
            return;
        }
        Transport t = plugins.services().transport();
        if (t != node.transport) {
            listening.close();
            Transport old = node.transport;
            node.transport = t;
            if (old != null) {
                farewellOf = old;
                farewell = io.leaveAll(CloseReason.ADMIN, "transport replaced, reconnecting at once", true);
                planner.transportReplaced(old);
            }
            if (t != null) {
                listening.listen();
            } else if (listening.ever()) {
                log.info("transport service gone: not listening; links re-form when a transport returns");
            }
        }
        health.servicesChanged();
        planner.servicesChanged();
        if (plugins.topology() != node.topology) {
            node.topology = plugins.topology();
            shape.reshape();
        }
    }

    /**
     * The goodbyes sent to the links of a transport that was just replaced or went away; complete once they are
     * written, so that the component can hold the old transport until then.
     */
    public CompletableFuture<Void> farewell() {
        return farewell;
    }

    /**
     * {@code t} is being unbound and is deactivated as soon as the component returns. If the mesh has not left
     * it yet (a greedy rebind binds the replacement first, and that change may still be queued), it leaves it now.
     *
     * @return completes once the goodbyes on {@code t}'s links are written; at once if it carried none
     */
    public CompletableFuture<Void> release(Transport t) {
        if (t != null && t == node.transport && !node.stopped) {
            servicesChanged();
        }
        return t != null && t == farewellOf ? farewell : CompletableFuture.completedFuture(null);
    }

    public void stop() {
        stop(false);
    }

    /**
     * @param restarting {@code true} if only mesh.core stops (an update) and the node stays up: the goodbye says
     *            so and is not a failure (ADMIN), so the peers do not back off
     */
    public void stop(boolean restarting) {
        node.stopped = true;
        listening.close();
        farewellOf = node.transport;
        farewell = restarting ? io.leaveAll(CloseReason.ADMIN, "mesh restarting, reconnecting at once", false)
            : io.leaveAll(CloseReason.SHUTDOWN, "node shutting down", false);
        for (Peer p : table.all()) {
            p.cancelTimer();
        }
    }

    // ---------------------------------------------------------------- operator and API

    public NodeDTO node() {
        NodeDTO n = new NodeDTO();
        n.id = node.identity.id();
        n.role = node.settings.role().label();
        n.listen = ConfigValues.format(node.advertised());
        n.listening = node.listener != null;
        n.missing = new ArrayList<>();
        Services s = plugins.services();
        if (s.transport() == null) {
            n.missing.add("transport");
        }
        if (s.retry() == null) {
            n.missing.add("retry");
        }
        if (s.health() == null) {
            n.missing.add("health");
        }
        if (s.topology() == null) {
            n.missing.add("topology");
        }
        n.peers = table.size();
        n.connected = (int) table.all().stream().filter(p -> p.live() != null).count();
        n.wanted = (int) table.all().stream().filter(p -> p.want.linked()).count();
        n.topology = plugins.topologyName();
        n.dialAttempts = node.dialAttempts;
        n.offences = bans.offencesCounted();
        n.bansImposed = bans.bansImposed();
        n.lagMillis = lag.lagMillis();
        n.sendsRefused = actions.refused;
        n.readPauses = readPauses.get();
        Security.describe(n, node.identity.publicKey(), s.transport(), node.admission.admit());
        n.warnings.addAll(plugins.warnings());
        return n;
    }

    public List<PeerDTO> peers() {
        return table.sorted().stream().map(reporter::dto).toList();
    }

    public PeerDTO peer(String ref) {
        return reporter.dto(table.resolve(ref));
    }

    /** @return the peer {@code ref} names; {@link IllegalArgumentException} with the known peers if none */
    public Peer resolve(String ref) {
        return table.resolve(ref);
    }

    public PeerDTO dto(Peer p) {
        return reporter.dto(p);
    }

    /** @return the peer at {@code endpoint}, or {@code null} */
    public PeerDTO peerAt(InetSocketAddress endpoint) {
        Peer p = table.get(endpoint);
        return p == null ? null : reporter.dto(p);
    }

    public PeerDTO reconnect(String ref) {
        Peer p = table.resolve(ref);
        actions.reconnect(p);
        return reporter.dto(p);
    }

    public CompletionStage<Void> whenWritable(String ref) {
        try {
            return actions.whenWritable(table.resolve(ref));
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Sets the protocol versions and capabilities this node announces (a test plays a newer build with it). */
    void announce(int minVersion, int maxVersion, long capabilities) {
        node.minVersion = minVersion;
        node.maxVersion = maxVersion;
        node.capabilities = capabilities;
    }

    /** @return how late the mesh thread ran its last tick, in milliseconds; readable from any thread */
    public long lagMillis() {
        return lag.lagMillis();
    }

    public CompletionStage<Duration> ping(String ref) {
        return actions.ping(table.resolve(ref));
    }

    /** Closes the link of a peer that is not configured (it dialed in); configured peers are removed by configuration. */
    public PeerDTO disconnectUnconfigured(Peer p) {
        PeerDTO before = reporter.dto(p);
        actions.disconnectUnconfigured(p);
        return before;
    }

    public List<BanDTO> bans() {
        return bans.bans();
    }

    public List<BanDTO> unban(String ref) {
        List<BanDTO> lifted = bans.unban(ref);
        lifted.forEach(b -> log.info("operator lifted the ban of {} ({})", b.address, b.reason));
        return lifted;
    }

    public CompletionStage<Void> send(String ref, String topic, byte[] payload) {
        return actions.send(ref, topic, payload);
    }

    public Map<String, CompletionStage<Void>> broadcast(String topic, byte[] payload) {
        return actions.broadcast(topic, payload);
    }

    /** Posts transport events to the mesh thread: the transport's event loops never run mesh code. */
    private final class Handler implements ConnectionHandler {
        private final Dial dial;

        Handler(Dial dial) {
            this.dial = dial;
        }

        @Override
        public KeyPair identity() {
            return node.identity.keyPair();
        }

        @Override
        public boolean accept(InetSocketAddress remote) {
            // Before any work: a banned source is closed by the transport at once.
            return remote == null || !bans.banned(remote.getAddress());
        }

        @Override
        public void rejected(InetSocketAddress remote, CloseReason reason, String detail) {
            if (dial == null) {
                clock.execute(() -> lifecycle.offence(remote, null, reason, detail));
            }
        }

        @Override
        public void opened(Connection c) {
            clock.execute(() -> lifecycle.opened(c, dial));
        }

        /**
         * Each frame is a task on the mesh thread; while a connection has {@link #PAUSE_READS_AT} frames not yet
         * handled, its reads pause (the kernel's window then holds the sender back) until the mesh has caught up
         * to {@link #RESUME_READS_AT}.
         */
        @Override
        public void frame(Connection c, byte[] frame) {
            AtomicInteger waiting = backlog.computeIfAbsent(c, k -> new AtomicInteger());
            if (waiting.incrementAndGet() == PAUSE_READS_AT) {
                c.pauseReads();
                readPauses.incrementAndGet();
            }
            clock.execute(() -> {
                try {
                    dispatcher.frame(c, frame);
                } finally {
                    if (waiting.decrementAndGet() == RESUME_READS_AT) {
                        c.resumeReads();
                    }
                }
            });
        }

        @Override
        public void writabilityChanged(Connection c, boolean writable) {
            clock.execute(() -> {
                Link l = io.get(c);
                if (l != null) {
                    l.writable(writable);
                }
            });
        }

        @Override
        public void closed(Connection c, CloseReason reason, String detail) {
            clock.execute(() -> {
                backlog.remove(c);
                lifecycle.closed(c, reason, detail);
            });
        }
    }
}
