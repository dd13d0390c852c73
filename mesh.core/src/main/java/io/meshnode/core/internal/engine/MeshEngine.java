package io.meshnode.core.internal.engine;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.DoubleSupplier;

import org.osgi.service.log.Logger;

import io.meshnode.api.config.ConfigValues;
import io.meshnode.api.mesh.BanDTO;
import io.meshnode.api.mesh.NodeDTO;
import io.meshnode.api.mesh.PeerDTO;
import io.meshnode.api.mesh.PeerState;
import io.meshnode.api.transport.CloseReason;
import io.meshnode.api.transport.Transport;
import io.meshnode.core.internal.config.KnownPeers;
import io.meshnode.core.internal.config.MeshSettings;
import io.meshnode.core.internal.config.SavedState;
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
    private final PeerSources sources;
    private long nonces;
    private final TransportEvents transportEvents;
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
        TransportEvents[] handlers = new TransportEvents[1];
        this.planner = new DialPlanner(clock, log, node, table, plugins, reporter, random, d -> handlers[0].handler(d));
        dialer[0] = planner;
        this.health = new HealthDriver(clock, log, plugins, io, table, reporter, () -> ++nonces);
        this.shape = new Shape(node, table, plugins, planner, io, reporter);
        this.lifecycle = new LinkLifecycle(clock, log, node, table, io, new Handshake(node, table, plugins), planner,
            health, reporter, plugins, bans, known, shape::reshape);
        this.dispatcher = new FrameDispatcher(clock, log, io, health, lifecycle, events);
        this.actions = new PeerActions(clock, log, table, io, planner, reporter, () -> ++nonces);
        this.transportEvents = new TransportEvents(clock, node, bans, io, lifecycle, dispatcher);
        handlers[0] = transportEvents;
        this.listening = new Listening(clock, log, node, events, transportEvents.handler(null));
        this.lag = new LagProbe(clock);
        this.sources = new PeerSources(log, node, table, known, io, planner, reporter, shape);
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
        List<Peer> added = sources.start(initial.peers());
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
        sources.enforceAdmission();
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
        sources.configured(next.peers());
    }

    /** The membership service changed its members, or went ({@code null}): the peers follow. */
    public void membership(java.util.Collection<io.meshnode.api.topology.NodeRef> members) {
        sources.members(members);
    }

    /**
     * The bound health monitor's settings changed (its service properties, as Declarative Services updates them when
     * its configuration is modified): every live link is assessed again now, so a shorter interval or timeout
     * applies at once, not at the check the old settings planned.
     */
    public void healthSettingsChanged() {
        if (!node.stopped) {
            health.replan();
        }
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
        if (!node.stopped) {
            // One line for all links (a node may hold a thousand): from here on no link of this mesh is up. Said once:
            // at a node's shutdown the transport leaving stops the mesh, and the component's deactivation again.
            long live = table.all().stream().filter(p -> p.live() != null).count();
            log.info("mesh stopping ({}): saying goodbye to {} live links", restarting ? "restarting" : "node shutting down",
                live);
        }
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
        n.sendsRefused = io.routes.refused();
        n.readPauses = transportEvents.readPauses();
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

    /**
     * Any thread: sends on the caller's thread to the connected peer whose whole id is {@code id}, without a task
     * on the mesh thread (see {@link Routes}).
     *
     * @return the send's stage (failed at once for an invalid topic, a payload over the frame.max agreed with the
     *         peer, or a full budget), or {@code null} if no connected peer has that whole id: name it on the mesh
     *         thread with {@link #connectedId}
     */
    public CompletionStage<Void> sendDirect(String id, String topic, byte[] payload) {
        Routes.Route r = io.routes.route(id);
        if (r == null) {
            return null;
        }
        byte[] frame;
        try {
            frame = io.routes.frame(topic, payload);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        return io.routes.send(r, frame);
    }

    /**
     * Mesh thread: the whole id of the connected peer {@code ref} names.
     *
     * @throws IllegalArgumentException if {@code ref} names no peer, or several
     * @throws IllegalStateException if the peer is not connected
     */
    public String connectedId(String ref) {
        return actions.connectedId(ref);
    }

    /** Mesh thread: {@link #connectedId} and {@link #sendDirect} in one, for callers already on it. */
    public CompletionStage<Void> send(String ref, String topic, byte[] payload) {
        try {
            String id = actions.connectedId(ref);
            CompletionStage<Void> sent = sendDirect(id, topic, payload);
            return sent != null ? sent : CompletableFuture.failedFuture(new IllegalStateException(
                "peer " + ref + " is not connected (its id is ambiguous here: name it by host:port)"));
        } catch (IllegalArgumentException | IllegalStateException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Any thread: to every connected peer, on the caller's thread (see {@link Routes}). */
    public Map<String, CompletionStage<Void>> broadcast(String topic, byte[] payload) {
        return io.routes.broadcast(io.routes.frame(topic, payload));
    }
}
