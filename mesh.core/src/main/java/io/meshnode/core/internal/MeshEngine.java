package io.meshnode.core.internal;

import static io.meshnode.api.health.LinkObservation.NONE;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.DoubleSupplier;
import java.util.stream.Collectors;

import org.osgi.service.log.Logger;

import io.meshnode.api.config.ConfigValues;
import io.meshnode.api.health.HealthDecision;
import io.meshnode.api.health.HealthMonitor;
import io.meshnode.api.health.HealthVerdict;
import io.meshnode.api.health.LinkObservation;
import io.meshnode.api.mesh.BanDTO;
import io.meshnode.api.mesh.NodeDTO;
import io.meshnode.api.mesh.PeerDTO;
import io.meshnode.api.mesh.PeerState;
import io.meshnode.api.mesh.TransitionDTO;
import io.meshnode.api.retry.RetryDecision;
import io.meshnode.api.retry.RetryPolicy;
import io.meshnode.api.topology.NodeRef;
import io.meshnode.api.topology.NodeRole;
import io.meshnode.api.topology.Topology;
import io.meshnode.api.transport.CloseReason;
import io.meshnode.api.transport.Connection;
import io.meshnode.api.transport.ConnectionHandler;
import io.meshnode.api.transport.Direction;
import io.meshnode.api.transport.Listener;
import io.meshnode.api.transport.Transport;
import io.meshnode.core.internal.MeshSettings.PeerSpec;
import io.meshnode.core.internal.Protocol.Hello;
import io.meshnode.core.internal.Protocol.ProtocolException;

/**
 * The peer table and its state machine. Free of OSGi: the component hands it the services it has
 * bound (any of which may be missing for a while) and a {@link Scheduler}. Every method except the
 * transport callbacks runs on the scheduler's thread; the callbacks only post work to it, so the
 * transport's event loops never wait for the mesh.
 */
final class MeshEngine {

    /** The swappable services, read once per decision; any may return {@code null} while absent. */
    interface Services {
        Transport transport();

        RetryPolicy retry();

        HealthMonitor health();

        Topology topology();

        default Topology topologyOrDefault(Topology fallback) {
            Topology t = topology();
            return t == null ? fallback : t;
        }
    }

    /** What the engine tells the outside world. */
    interface Events {
        void peerChanged(PeerDTO peer, PeerState previous);

        void message(String peerId, String topic, byte[] payload);

        void listening(String nodeId, InetSocketAddress address);
    }

    /** Used while no retry policy is bound, for the one decision that cannot wait: when a link is stable. */
    static final Duration FALLBACK_STABLE = Duration.ofSeconds(60);
    /** How many state transitions each peer keeps for the console. */
    static final int HISTORY = 16;
    /** How long an operator ping waits for its pong. */
    static final long PING_TIMEOUT_MILLIS = 10_000;
    private static final long LISTEN_RETRY_MILLIS = 2_000;
    /** The length prefix a framed transport adds; counted so byte counters come close to what crossed the wire. */
    private static final int FRAME_OVERHEAD = 4;

    private final Scheduler clock;
    private final Logger log;
    private final Identity identity;
    private final KnownPeers known;
    private final Services services;
    private final Events events;
    private final DoubleSupplier random;
    private final Topology builtinTopology = new FullMeshTopology();
    private final ConnectionHandler inbound = new Handler(null);
    private final BanList bans;
    private Admission admission = Admission.DEFAULTS;

    private final Map<InetSocketAddress, Peer> peers = new LinkedHashMap<>();
    private final Map<Connection, Link> links = new IdentityHashMap<>();
    private MeshSettings settings;
    private Transport boundTransport;
    /** The monitor whose schedule and counters the links' health bookkeeping belongs to. */
    private HealthMonitor boundHealth;
    private Listener listener;
    private Scheduler.Task listenRetry;
    private boolean everListened;
    private CompletableFuture<Void> farewell = CompletableFuture.completedFuture(null);
    /** The transport whose links {@link #farewell} says goodbye on. */
    private Transport farewellOf;
    private long nonces;
    private boolean stopped;
    private long dialAttempts;

    MeshEngine(Scheduler clock, Logger log, Identity identity, KnownPeers known, Services services, Events events,
        DoubleSupplier random) {
        this.clock = clock;
        this.log = log;
        this.identity = identity;
        this.known = known;
        this.services = services;
        this.events = events;
        this.random = random;
        this.bans = new BanList(clock);
    }

    /** Applies {@code admit} and the ban policy; a live link to a node no longer admitted is closed. */
    void admission(Admission next) {
        reconfigure(null, next);
    }

    /**
     * Applies a changed etc/meshnode.mesh.cfg: peers and admission together, so that an edit that pins peers
     * and narrows {@code admit} at once (or widens {@code admit} and unpins) closes no link on the way.
     *
     * @param next the new settings, or {@code null} if they did not parse (the previous ones stay)
     * @param nextAdmission the new admission, or {@code null} if it did not parse
     */
    void reconfigure(MeshSettings next, Admission nextAdmission) {
        if (nextAdmission != null) {
            admission = nextAdmission;
            bans.policy(nextAdmission.bans());
        }
        if (next != null) {
            applySettings(next);
        }
        enforceAdmission();
    }

    /**
     * Closes the live links of peers that the current admission no longer lets in (after {@code admit} went
     * from {@code any} to {@code peers}, or a peer was unpinned under {@code peers}): admission is checked at
     * every hello, and a configuration change must not leave a link open that its hello would not get now.
     */
    private void enforceAdmission() {
        if (admission.admit() == Admission.Mode.ANY) {
            return;
        }
        for (Peer p : List.copyOf(peers.values())) {
            if (p.live != null && !p.pinned) {
                log.warn("closing the link to {}: no longer admitted (admit = peers and its id is not pinned)", p);
                goodbye(p.live, CloseReason.ADMIN, "no longer admitted");
            }
        }
    }

    // ---------------------------------------------------------------- life cycle and configuration

    void start(MeshSettings initial) {
        start(initial, false);
    }

    /**
     * @param prompt {@code true} when this mesh replaces one that stopped a moment ago in the same node (a
     *            mesh.core update): every peer is dialed at once, whichever side is the designated dialer, so
     *            the peers, which saw only a short goodbye, get their links back without waiting out a grace
     */
    void start(MeshSettings initial, boolean prompt) {
        settings = initial;
        for (PeerSpec spec : initial.peers()) {
            addConfigured(spec);
        }
        servicesChanged();
        if (prompt) {
            peers.values().forEach(this::rejoin);
        }
    }

    void reconfigure(MeshSettings next) {
        reconfigure(next, null);
    }

    private void applySettings(MeshSettings next) {
        MeshSettings previous = settings;
        settings = next;
        if (!previous.listen().equals(next.listen())) {
            log.info("listen address changed from {} to {}: rebinding (links stay up)",
                ConfigValues.format(previous.listen()), ConfigValues.format(next.listen()));
            unlisten();
            listen();
        }
        Map<InetSocketAddress, PeerSpec> wanted = new LinkedHashMap<>();
        next.peers().forEach(spec -> wanted.put(spec.endpoint(), spec));
        for (Peer p : List.copyOf(peers.values())) {
            PeerSpec spec = wanted.remove(p.endpoint);
            if (spec == null && p.configured) {
                remove(p, "removed from the configuration");
            } else if (spec != null) {
                boolean wasConfigured = p.configured;
                p.configured = true;
                if (spec.id() != null) {
                    // Pinning the id already learned from the peer pins it too: from now on no other key may
                    // take this endpoint over.
                    p.id = spec.id();
                    p.pinned = true;
                    if (p.live != null && !spec.id().equals(p.live.hello.id)) {
                        goodbye(p.live, CloseReason.ADMIN, "pinned id changed in the configuration");
                    }
                } else if (p.pinned) {
                    p.pinned = false;
                }
                if (!wasConfigured || p.state == PeerState.PARKED) {
                    revive(p, "configuration changed");
                }
            }
        }
        wanted.values().forEach(this::addConfigured);
    }

    void servicesChanged() {
        if (stopped) {
            return;
        }
        Transport t = services.transport();
        if (t != boundTransport) {
            unlisten();
            Transport old = boundTransport;
            boundTransport = t;
            if (old != null) {
                farewellOf = old;
                farewell = TransportSwap.leave(links.values(), l -> goodbye(l, CloseReason.ADMIN,
                    "transport replaced, reconnecting at once"));
            }
            if (t != null) {
                listen();
            } else if (everListened) {
                log.info("transport service gone: not listening; links re-form when a transport returns");
            }
        }
        HealthMonitor h = services.health();
        if (h != boundHealth) {
            healthReplaced(h);
        }
        for (Peer p : peers.values()) {
            if (p.live != null) {
                if (p.live.healthTimer == null) {
                    scheduleHealth(p.live, 0);
                }
            } else if (p.timer == null && p.dialing == null && p.waitingFor != null) {
                String waited = p.waitingFor;
                p.waitingFor = null;
                if (waited.equals("transport")) {
                    rejoin(p); // its attempt was due already, or its link went with the old transport
                } else {
                    plan(p, p.failures > 0);
                }
            }
        }
    }

    /**
     * The goodbyes sent to the links of a transport that was just replaced or went away; complete once
     * they are written, so that the component can hold the old transport until then.
     */
    CompletableFuture<Void> farewell() {
        return farewell;
    }

    /**
     * {@code t} is being unbound and is deactivated as soon as the component returns. If the mesh has not
     * left it yet (a greedy rebind binds the replacement first, and that change may still be queued), it
     * leaves it now.
     *
     * @return completes once the goodbyes on {@code t}'s links are written; at once if it carried none
     */
    CompletableFuture<Void> release(Transport t) {
        if (t != null && t == boundTransport && !stopped) {
            servicesChanged();
        }
        return t != null && t == farewellOf ? farewell : CompletableFuture.completedFuture(null);
    }

    /** Dials {@code p} at once (or as soon as a transport is bound), without counting a failure. */
    private void rejoin(Peer p) {
        if (p.live != null || p.dialing != null || stopped) {
            return;
        }
        p.rejoin = false;
        PeerState before = p.state;
        cancel(p);
        attempt(p);
        changed(p, before);
    }

    void stop() {
        stop(false);
    }

    /**
     * @param restarting {@code true} if only mesh.core stops (an update) and the node stays up: the
     *            goodbye says so and is not a failure (ADMIN), so the peers do not back off
     */
    void stop(boolean restarting) {
        stopped = true;
        unlisten();
        farewellOf = boundTransport;
        farewell = TransportSwap.leave(links.values(), l -> {
            if (restarting) {
                goodbye(l, CloseReason.ADMIN, "mesh restarting, reconnecting at once");
            } else {
                goodbye(l, CloseReason.SHUTDOWN, "node shutting down");
            }
        });
        for (Peer p : peers.values()) {
            cancel(p);
        }
    }

    // ---------------------------------------------------------------- operator and API

    NodeDTO node() {
        NodeDTO n = new NodeDTO();
        n.id = identity.id();
        n.role = settings.role().label();
        n.listen = ConfigValues.format(listener != null ? listener.address() : settings.listen());
        n.listening = listener != null;
        n.missing = new ArrayList<>();
        if (services.transport() == null) {
            n.missing.add("transport");
        }
        if (services.retry() == null) {
            n.missing.add("retry");
        }
        if (services.health() == null) {
            n.missing.add("health");
        }
        if (services.topology() == null) {
            n.missing.add("topology");
        }
        n.peers = peers.size();
        n.connected = (int) peers.values().stream().filter(p -> p.state == PeerState.CONNECTED).count();
        Security.describe(n, identity.publicKey(), services.transport(), admission.admit());
        n.dialAttempts = dialAttempts;
        n.offences = bans.offencesCounted();
        n.bansImposed = bans.bansImposed();
        return n;
    }

    List<PeerDTO> peers() {
        return peers.values().stream()
            .sorted(Comparator.comparing((Peer p) -> p.endpoint, FullMeshTopology::compareEndpoints))
            .map(this::dto)
            .collect(Collectors.toList());
    }

    PeerDTO peer(String ref) {
        return dto(resolve(ref));
    }

    PeerDTO reconnect(String ref) {
        Peer p = resolve(ref);
        int failures = p.failures;
        p.failures = 0;
        p.previousDelay = Duration.ZERO;
        if (p.live == null && p.dialing != null) {
            log.info("operator reconnect of {}: a dial is already under way ({}); failure count reset", p, p.state);
            return dto(p);
        }
        log.info("operator reconnect of {} (was {}, {} failures)", p, p.state, failures);
        p.cause = "operator reconnect";
        if (p.live != null) {
            p.reconnectRequested = true;
            goodbye(p.live, CloseReason.ADMIN, "operator reconnect");
        } else {
            PeerState before = p.state;
            cancel(p);
            // Revived: this dial is the operator's, not a parked peer's background probe.
            p.state = PeerState.IDLE;
            attempt(p);
            changed(p, before);
        }
        return dto(p);
    }

    /** Sends one ping outside the health monitor's schedule; its pong also counts as a round-trip sample. */
    CompletionStage<Duration> ping(String ref) {
        Peer p = resolve(ref);
        Link l = p.live;
        if (l == null || l.closing) {
            return CompletableFuture.failedFuture(new IllegalStateException(
                "peer " + p + " is not connected (" + p.state.name().toLowerCase(Locale.ROOT) + ")"));
        }
        long nonce = ++nonces;
        long sent = clock.nanoTime();
        CompletableFuture<Duration> result = new CompletableFuture<>();
        Scheduler.Task timeout = clock.schedule(() -> {
            if (l.operatorPings.remove(nonce) != null) {
                result.completeExceptionally(new IllegalStateException(
                    "no pong from " + p + " within " + PING_TIMEOUT_MILLIS / 1000 + "s"));
            }
        }, PING_TIMEOUT_MILLIS);
        l.operatorPings.put(nonce, new OperatorPing(sent, result, timeout));
        send(l, Protocol.ping(Protocol.PING, nonce, sent));
        return result;
    }

    /** Closes the link of a peer that is not configured (it dialed in); configured peers are removed by configuration. */
    PeerDTO disconnectUnconfigured(Peer p) {
        PeerDTO before = dto(p);
        if (p.live != null) {
            log.info("operator disconnect of {} (not configured: closing its link)", p);
            p.cause = "operator disconnect";
            goodbye(p.live, CloseReason.ADMIN, "operator disconnect");
        }
        return before;
    }

    /** @return the peer at {@code endpoint}, or {@code null} */
    PeerDTO peerAt(InetSocketAddress endpoint) {
        Peer p = peers.get(endpoint);
        return p == null ? null : dto(p);
    }

    List<BanDTO> bans() {
        return bans.bans();
    }

    List<BanDTO> unban(String ref) {
        List<BanDTO> lifted = bans.unban(ref);
        lifted.forEach(b -> log.info("operator lifted the ban of {} ({})", b.address, b.reason));
        return lifted;
    }

    CompletionStage<Void> send(String ref, String topic, byte[] payload) {
        Peer p;
        byte[] frame;
        try {
            p = resolve(ref);
            frame = Protocol.data(topic, payload);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (p.live == null) {
            return CompletableFuture.failedFuture(
                new IllegalStateException("peer " + p + " is not connected (" + p.state.name().toLowerCase(Locale.ROOT) + ")"));
        }
        p.messagesOut++;
        return send(p.live, frame);
    }

    Map<String, CompletionStage<Void>> broadcast(String topic, byte[] payload) {
        byte[] frame = Protocol.data(topic, payload);
        Map<String, CompletionStage<Void>> sent = new LinkedHashMap<>();
        for (Peer p : peers.values()) {
            if (p.live != null) {
                p.messagesOut++;
                sent.put(p.id, send(p.live, frame));
            }
        }
        return sent;
    }

    // ---------------------------------------------------------------- listening

    private void listen() {
        Transport t = boundTransport;
        if (t == null || stopped) {
            return;
        }
        try {
            listener = t.listen(settings.listen(), inbound);
            everListened = true;
            log.info("listening on {}", ConfigValues.format(listener.address()));
            events.listening(identity.id(), listener.address());
        } catch (IOException | RuntimeException e) {
            log.error("{}; retrying in {}s", e.getMessage(), LISTEN_RETRY_MILLIS / 1000);
            listenRetry = clock.schedule(() -> {
                listenRetry = null;
                if (listener == null) {
                    listen();
                }
            }, LISTEN_RETRY_MILLIS);
        }
    }

    private void unlisten() {
        if (listenRetry != null) {
            listenRetry.cancel();
            listenRetry = null;
        }
        if (listener != null) {
            try {
                listener.close();
            } catch (RuntimeException e) {
                log.debug("closing the listener: {}", e.toString());
            }
            listener = null;
        }
    }

    // ---------------------------------------------------------------- peer planning

    private void addConfigured(PeerSpec spec) {
        Peer p = new Peer(spec.endpoint());
        p.configured = true;
        p.pinned = spec.id() != null;
        p.id = p.pinned ? spec.id() : known.id(ConfigValues.format(spec.endpoint()));
        peers.put(p.endpoint, p);
        changed(p, null);
        plan(p, false);
    }

    private void remove(Peer p, String why) {
        PeerState before = p.state;
        p.removed = true;
        cancel(p);
        peers.remove(p.endpoint);
        if (p.live != null) {
            goodbye(p.live, CloseReason.ADMIN, why);
        }
        log.info("peer {} {}", p, why);
        p.state = PeerState.IDLE;
        p.cause = why;
        changed(p, before);
    }

    private void revive(Peer p, String why) {
        if (p.live != null || p.dialing != null) {
            return;
        }
        PeerState before = p.state;
        if (before == PeerState.PARKED) {
            log.info("peer {} revived: {}", p, why);
        }
        p.cause = "revived: " + why;
        p.failures = 0;
        p.previousDelay = Duration.ZERO;
        plan(p, false);
        changed(p, before);
    }

    /** Decides when this side dials next: after a failure through the retry policy, otherwise as a first contact. */
    private void plan(Peer p, boolean afterFailure) {
        cancel(p);
        if (p.live != null || p.dialing != null || stopped) {
            return;
        }
        PeerState before = p.state;
        if (!p.configured) {
            peers.remove(p.endpoint);
            p.state = PeerState.IDLE;
            changed(p, before);
            return;
        }
        boolean dialer = dials(p);
        if (!afterFailure) {
            long delay;
            if (dialer) {
                RetryPolicy retry = services.retry();
                if (retry == null) {
                    wait(p, "retry", PeerState.IDLE);
                    changed(p, before);
                    return;
                }
                delay = retry.next(p.role, 0, Duration.ZERO).delay().toMillis();
            } else {
                delay = graceDelay();
            }
            at(p, delay, PeerState.IDLE);
        } else {
            RetryPolicy retry = services.retry();
            if (retry == null) {
                wait(p, "retry", PeerState.BACKOFF);
                changed(p, before);
                return;
            }
            RetryDecision d = retry.next(p.role, p.failures, p.previousDelay);
            if (d.isGiveUp()) {
                if (before != PeerState.PARKED) {
                    log.warn("giving up fast retries of {} after {} consecutive failures (last: {}); {}", p, p.failures,
                        p.lastReason, d.probe().map(x -> "re-probing every " + ConfigValues.format(x))
                            .orElse("waiting for an operator, a configuration change or the peer to dial in"));
                }
                if (d.probe().isPresent()) {
                    at(p, d.probe().get().toMillis(), PeerState.PARKED);
                } else {
                    p.state = PeerState.PARKED;
                }
            } else {
                p.previousDelay = d.delay();
                long delay = d.delay().toMillis();
                if (!dialer) {
                    // Give the designated dialer the first chance, but never wait for it forever.
                    delay += graceDelay();
                }
                at(p, delay, PeerState.BACKOFF);
            }
        }
        changed(p, before);
    }

    private void wait(Peer p, String service, PeerState state) {
        p.waitingFor = service;
        p.state = state;
        p.nextAttemptAt = 0;
    }

    private void at(Peer p, long delay, PeerState state) {
        p.state = state;
        p.nextAttemptAt = clock.now() + delay;
        p.timer = clock.schedule(() -> {
            p.timer = null;
            if (!p.removed && peers.get(p.endpoint) == p) {
                PeerState before = p.state;
                attempt(p);
                changed(p, before);
            }
        }, delay);
    }

    private long graceDelay() {
        long grace = settings.dialGrace().toMillis();
        return grace - Math.round(grace * 0.25 * random.getAsDouble());
    }

    private void attempt(Peer p) {
        p.nextAttemptAt = 0;
        if (p.live != null || p.dialing != null || stopped) {
            return;
        }
        Transport t = boundTransport;
        if (t == null) {
            wait(p, "transport", p.failures > 0 ? PeerState.BACKOFF : PeerState.IDLE);
            return;
        }
        if (p.state != PeerState.PARKED) {
            p.state = PeerState.CONNECTING;
        }
        Dial dial = new Dial(p);
        p.dialing = dial;
        dial.startedNanos = clock.nanoTime();
        p.dialAttempts++;
        dialAttempts++;
        InetSocketAddress listen = settings.listen();
        InetSocketAddress local = listen.getAddress().isAnyLocalAddress() ? null : new InetSocketAddress(listen.getAddress(), 0);
        CompletionStage<Connection> connecting;
        try {
            connecting = t.connect(p.endpoint, local, new Handler(dial));
        } catch (RuntimeException e) {
            connecting = CompletableFuture.failedFuture(e);
        }
        connecting.whenComplete((c, error) -> {
            if (error != null) {
                clock.execute(() -> dialFailed(dial, error));
            }
        });
    }

    private void dialFailed(Dial dial, Throwable error) {
        Peer p = dial.peer;
        if (p.dialing != dial) {
            return;
        }
        p.dialing = null;
        Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
            ? error.getCause() : error;
        failed(p, CloseReason.CONNECT_FAILED, String.valueOf(cause.getMessage()));
    }

    private void failed(Peer p, CloseReason reason, String detail) {
        PeerState before = p.state;
        p.failures++;
        record(p, reason, detail);
        p.cause = (reason + " " + (detail == null ? "" : detail)).trim() + " (failure " + p.failures + ")";
        log.debug("attempt {} to reach {} failed: {} {}", p.failures, p, reason, detail);
        plan(p, true);
        changed(p, before);
    }

    // ---------------------------------------------------------------- connections

    private void opened(Connection c, Dial dial) {
        Link l = new Link(c, dial);
        l.handshakeStartedNanos = dial != null ? dial.startedNanos : clock.nanoTime();
        links.put(c, l);
        if (stopped) {
            c.close(CloseReason.SHUTDOWN, "node shutting down");
            return;
        }
        if (dial != null) {
            l.peer = dial.peer;
            // If the peer connected otherwise meanwhile, the hello decides which link to keep.
            if (dial.peer.dialing == dial) {
                PeerState before = l.peer.state;
                l.peer.state = PeerState.HANDSHAKING;
                changed(l.peer, before);
            }
        }
        InetSocketAddress advertised = listener != null ? listener.address() : settings.listen();
        send(l, Protocol.hello(identity.id(), settings.role(), advertised));
    }

    private void frame(Connection c, byte[] frame) {
        Link l = links.get(c);
        if (l == null || l.closing) {
            return;
        }
        l.lastFrameAt = clock.now();
        l.countIn(frame.length + FRAME_OVERHEAD);
        if (frame.length > 0 && frame[0] == Protocol.PING) {
            l.countOut(frame.length + FRAME_OVERHEAD); // the pong, sent on the I/O thread
        }
        if (l.pingSentAt != NONE && !l.answered) {
            l.answered = true;
            heartbeatArrived(l);
        }
        try {
            if (frame.length == 0) {
                throw new ProtocolException("empty frame");
            }
            byte type = frame[0];
            if (l.hello == null && type != Protocol.HELLO && type != Protocol.REFUSE && type != Protocol.GOODBYE) {
                throw new ProtocolException("frame type " + type + " before the hello");
            }
            switch (type) {
                case Protocol.HELLO:
                    hello(l, Protocol.parseHello(frame));
                    break;
                case Protocol.REFUSE: {
                    String reason = Protocol.parseString(frame);
                    if (l.hello == null) {
                        // A dialer sends its hello first; a refusal before it is noise (counted inbound only).
                        offence(l, CloseReason.PROTOCOL_ERROR, "refuse before its hello");
                    }
                    log.warn("{} refused the connection: {}", describe(l), reason);
                    l.conn.close(CloseReason.REFUSED, "refused by peer: " + reason);
                    break;
                }
                case Protocol.GOODBYE: {
                    String[] bye = Protocol.parseGoodbye(frame);
                    if (l.hello == null) {
                        offence(l, CloseReason.PROTOCOL_ERROR, "goodbye before its hello");
                    }
                    l.remoteGoodbye = bye;
                    break;
                }
                case Protocol.PING:
                    Protocol.parsePing(frame); // answered on the transport thread already
                    break;
                case Protocol.PONG: {
                    long[] pong = Protocol.parsePing(frame);
                    if (pong[0] == l.pingNonce) {
                        l.rtt((clock.nanoTime() - pong[1]) / 1_000);
                    } else {
                        OperatorPing op = l.operatorPings.remove(pong[0]);
                        if (op != null) {
                            op.timeout().cancel();
                            long micros = (clock.nanoTime() - op.sentNanos()) / 1_000;
                            l.rtt(micros);
                            op.result().complete(Duration.ofNanos(micros * 1_000));
                        }
                    }
                    break;
                }
                case Protocol.DATA: {
                    l.peer.messagesIn++;
                    String topic = Protocol.dataTopic(frame);
                    events.message(l.hello.id, topic, Protocol.dataPayload(frame, topic));
                    break;
                }
                default:
                    throw new ProtocolException("unknown frame type " + type);
            }
        } catch (ProtocolException | RuntimeException e) {
            // A parser that throws anything else met input it did not foresee: still that link's fault only.
            log.warn("protocol error from {}: {}; closing that connection", describe(l), e.getMessage());
            offence(l, CloseReason.PROTOCOL_ERROR, e.getMessage());
            l.conn.close(CloseReason.PROTOCOL_ERROR, e.getMessage());
        }
    }

    private void hello(Link l, Hello h) throws ProtocolException {
        if (l.hello != null) {
            throw new ProtocolException("second hello");
        }
        l.claimedId = h.id;
        if (h.version != Protocol.VERSION) {
            refuse(l, "protocol version " + h.version + " is not supported; this node speaks version " + Protocol.VERSION);
            return;
        }
        String authentication = Security.authenticate(l.conn, h.id, boundTransport);
        if (authentication == null) {
            String why = Security.mismatch(l.conn, h.id);
            offence(l, CloseReason.REFUSED, why);
            refuse(l, why);
            return;
        }
        if (h.id.equals(identity.id())) {
            refuse(l, "self-connection: node " + h.id + " reached itself");
            if (l.peer != null && l.peer.configured) {
                Peer p = l.peer;
                PeerState before = p.state;
                p.dialing = null;
                cancel(p);
                record(p, CloseReason.REFUSED, "this endpoint is the node itself");
                p.state = PeerState.PARKED;
                p.cause = "this endpoint is the node itself";
                log.error("configured peer {} is this node itself; parked", ConfigValues.format(p.endpoint));
                changed(p, before);
            }
            return;
        }
        Peer p = l.peer;
        if (p != null) {
            if (p.pinned && !p.id.equals(h.id)) {
                refuse(l, "expected node " + p.id + " at " + ConfigValues.format(p.endpoint) + " but reached node " + h.id);
                return;
            }
            if (!admitted(l, p, h)) {
                return;
            }
        } else {
            p = byId(h.id);
            if (p == null) {
                p = peers.get(h.listen);
            }
            if (p != null && p.pinned && !p.id.equals(h.id)) {
                refuse(l, "the node listening on " + ConfigValues.format(h.listen) + " is pinned to id " + p.id
                    + ", not " + h.id);
                offence(l, CloseReason.REFUSED, "claimed a pinned endpoint with another id");
                return;
            }
            if (p != null && p.id != null && !p.id.equals(h.id)) {
                // Anyone can claim an address in its hello; only a dial to it shows who really listens there. So
                // an inbound node does not take over an endpoint known as another node: our next dial (at the
                // latest after dial.grace) learns whether the node there has a new key.
                refuse(l, "the node listening on " + ConfigValues.format(h.listen) + " is known as " + p.id + ", not "
                    + h.id + "; it is dialed to learn whether its key changed");
                if (p.state == PeerState.PARKED) {
                    revive(p, "a node claiming its endpoint dialed in");
                }
                return;
            }
            if (!admitted(l, p, h)) {
                return;
            }
            if (p == null) {
                if (!services.topologyOrDefault(builtinTopology).links(self(), new NodeRef(h.id, h.listen, h.role))) {
                    refuse(l, "this node does not link to " + h.id);
                    return;
                }
                p = new Peer(h.listen);
                p.configured = false;
                peers.put(p.endpoint, p);
                changed(p, null);
            }
            l.attribute(p);
        }
        if (p.id != null && !p.id.equals(h.id)) {
            log.info("peer at {} has a new identity: {} (was {})", ConfigValues.format(p.endpoint), h.id, p.id);
        }
        p.id = h.id;
        p.role = h.role;
        p.authentication = l.conn.security() + ", " + authentication + (p.pinned ? ", pinned id" : ", admit = any");
        PublicKey key = l.conn.peerKey();
        p.keyFingerprint = key == null ? null : Identity.fingerprint(key);
        learn(p);
        l.hello = h;
        l.conn.established();
        if (!l.conn.isOpen()) {
            // The transport closed it (its handshake timeout) while this hello waited for the mesh thread: its
            // close event follows. Adopting it would replace a live link with a dead one.
            log.debug("{}: hello arrived after the transport closed the connection", describe(l));
            return;
        }
        l.connectedAt = clock.now();
        l.handshakeMicros = (clock.nanoTime() - l.handshakeStartedNanos) / 1000;
        adopt(l);
    }

    /** {@code admit = peers}: only a pinned id; {@code any}: every node whose key matched its id (checked before). */
    private boolean admitted(Link l, Peer p, Hello h) {
        if (admission.admit() == Admission.Mode.ANY || p != null && p.pinned && h.id.equals(p.id)) {
            return true;
        }
        String why = "node " + h.id + " is not admitted: admit = peers and its id is not pinned in peers (pin it as "
            + h.id + "@" + ConfigValues.format(h.listen) + ", or set admit = any)";
        offence(l, CloseReason.REFUSED, "not admitted");
        refuse(l, why);
        return false;
    }

    /**
     * Counts one offence against the source of an inbound connection, once per connection. Outbound links
     * are ours: a misbehaving peer we dial is handled by the retry policy, and bans only refuse accepts.
     */
    private void offence(Link l, CloseReason reason, String detail) {
        if (l.offended || l.dial != null) {
            return;
        }
        l.offended = true;
        offence(l.conn.remoteAddress(), l.hello != null ? l.hello.id : l.claimedId, reason, detail);
    }

    private void offence(InetSocketAddress remote, String claimedId, CloseReason reason, String detail) {
        if (remote == null || remote.getAddress() == null) {
            return;
        }
        BanDTO ban = bans.offence(remote.getAddress(), claimedId, reason + ": " + detail);
        if (ban != null) {
            log.warn("banning {} until {} after {} offences within {} (last: {}); mesh:unban {} lifts it", ban.address,
                java.time.Instant.ofEpochMilli(ban.until), ban.offences, ConfigValues.format(admission.bans().window()),
                ban.reason, ban.address);
        }
    }

    private void learn(Peer p) {
        try {
            if (known.learn(ConfigValues.format(p.endpoint), p.id)) {
                known.save();
            }
        } catch (IOException e) {
            log.warn("cannot remember the id of {}: {}", p, e.getMessage());
        }
    }

    /** Makes a handshaken link the peer's live link, or resolves it against the one already live. */
    private void adopt(Link l) {
        Peer p = l.peer;
        PeerState before = p.state;
        if (p.dialing != null && p.dialing == l.dial) {
            p.dialing = null;
        }
        Link current = p.live;
        if (current != null && current != l) {
            Link keep;
            if (current.direction() != l.direction()) {
                boolean keepOutbound = services.topologyOrDefault(builtinTopology).keepsOutbound(identity.id(), p.id);
                keep = (l.direction() == Direction.OUTBOUND) == keepOutbound ? l : current;
            } else {
                // Same direction twice: the peer restarted or the old link is half-open; the new one is real.
                keep = l;
            }
            Link drop = keep == l ? current : l;
            if (drop == current) {
                current.superseded = true;
                p.live = null;
            }
            log.debug("duplicate connection to {}: keeping #{} ({}), closing #{}", p, keep.conn.id(), keep.direction(),
                drop.conn.id());
            goodbye(drop, CloseReason.DUPLICATE, "duplicate connection, keeping #" + keep.conn.id());
            if (keep == current) {
                return;
            }
        }
        cancel(p);
        p.live = l;
        p.waitingFor = null;
        p.state = PeerState.CONNECTED;
        p.connectedSince = clock.wallClock();
        log.info("connected to {} ({}, {})", p, l.direction().name().toLowerCase(Locale.ROOT), p.role.label());
        p.cause = "handshake completed (" + l.direction().name().toLowerCase(Locale.ROOT) + ")";
        scheduleHealth(l, 0);
        scheduleStable(l);
        changed(p, before);
    }

    private void closed(Connection c, CloseReason reason, String detail) {
        Link l = links.remove(c);
        if (l == null) {
            return;
        }
        l.closing = true;
        l.cancelTimers();
        if (l.remoteGoodbye != null) {
            CloseReason said = parseReason(l.remoteGoodbye[0]);
            detail = "peer: " + l.remoteGoodbye[1];
            reason = said == CloseReason.DUPLICATE || said == CloseReason.ADMIN ? said : CloseReason.REMOTE_CLOSED;
        }
        if (Security.isOffence(reason)) {
            offence(l, reason, detail);
        } else if (l.hello == null && (reason == CloseReason.REMOTE_CLOSED || reason == CloseReason.IO_ERROR)) {
            offence(l, reason, "abandoned its handshake: " + detail); // counted for inbound connections only
        }
        Peer p = l.peer;
        if (p == null) {
            log.debug("{} closed before its hello: {} {}", describe(l), reason, detail);
            return;
        }
        PeerState before = p.state;
        if (p.live == l) {
            p.live = null;
            record(p, reason, detail);
            if (stopped || p.removed) {
                p.state = PeerState.IDLE;
            } else if (p.reconnectRequested) {
                p.reconnectRequested = false;
                p.cause = "operator reconnect";
                attempt(p);
            } else if (p.rejoin || reason == CloseReason.SHUTDOWN) {
                // Our transport replaced or stopping under the link: not the peer's fault, redial at once.
                log.info("link to {} closed: {} {}; reconnecting as soon as a transport is bound", p, reason, detail);
                p.rejoin = true;
                p.state = PeerState.IDLE;
                rejoin(p);
            } else if (reason.isFailure()) {
                log.info("link to {} lost: {} {}", p, reason, detail);
                failed(p, reason, detail);
            } else {
                log.info("link to {} closed: {} {}", p, reason, detail);
                p.state = PeerState.IDLE;
                p.cause = ("link closed: " + reason + " " + (detail == null ? "" : detail)).trim();
                plan(p, false);
            }
        } else if (l.dial != null && p.dialing == l.dial) {
            p.dialing = null;
            if (reason == CloseReason.DUPLICATE || p.live != null) {
                p.state = p.live != null ? PeerState.CONNECTED : before;
            } else if (p.rejoin || reason == CloseReason.SHUTDOWN) {
                p.rejoin = true;
                rejoin(p);
            } else {
                failed(p, reason, detail);
            }
        } else if (l.hello == null && reason.isFailure() && l.dial == null) {
            log.debug("inbound handshake from {} failed: {} {}", describe(l), reason, detail);
        }
        changed(p, before);
    }

    private void refuse(Link l, String reason) {
        log.warn("refusing {}: {}", describe(l), reason);
        sendThenClose(l, Protocol.refuse(reason), CloseReason.REFUSED, reason);
    }

    private void goodbye(Link l, CloseReason reason, String detail) {
        sendThenClose(l, Protocol.goodbye(reason.name(), detail), reason, detail);
    }

    private void sendThenClose(Link l, byte[] frame, CloseReason reason, String detail) {
        if (l.closing) {
            return;
        }
        l.closing = true;
        l.cancelTimers();
        CompletableFuture<Void> sent = new CompletableFuture<>();
        l.goodbyeSent = sent;
        send(l, frame).whenComplete((v, e) -> {
            l.conn.close(reason, detail);
            sent.complete(null);
        });
    }

    private CompletionStage<Void> send(Link l, byte[] frame) {
        l.countOut(frame.length + FRAME_OVERHEAD);
        return l.conn.send(frame);
    }

    // ---------------------------------------------------------------- health and stability

    private void scheduleHealth(Link l, long delay) {
        l.healthTimer = clock.schedule(() -> assess(l), delay);
    }

    private void assess(Link l) {
        l.healthTimer = null;
        if (l.closing || l.peer == null || l.peer.live != l) {
            return;
        }
        HealthMonitor monitor = services.health();
        if (monitor != boundHealth) {
            healthReplaced(monitor); // bound a moment ago, its servicesChanged() still queued: hand over first
            return;
        }
        if (monitor == null) {
            return; // resumed by servicesChanged() when a monitor is bound again
        }
        long now = clock.now();
        HealthDecision d;
        // To a monitor that took over a live link, the link looks as if it had connected then: it judges no
        // silence that fell under its predecessor's (possibly much slower) schedule.
        long since = Math.max(l.connectedAt, l.monitoredSince);
        try {
            d = monitor.assess(new LinkObservation(since, Math.max(l.lastFrameAt, since), l.lastPingAt, l.pingSentAt,
                l.answered, l.missed, l.peer.arrivals.toArray()), now);
        } catch (RuntimeException e) {
            log.error("health monitor failed on {}: {}; retrying in 1s", l.peer, e.toString());
            scheduleHealth(l, 1_000);
            return;
        }
        int before = l.missed;
        l.missed = d.missed();
        if (d.settled()) {
            l.pingSentAt = NONE;
            l.answered = false;
        }
        if (d.verdict() == HealthVerdict.FAILED) {
            log.warn("{} is not answering: {}", l.peer, d.reason());
            goodbye(l, CloseReason.TIMEOUT, d.reason());
            return;
        }
        if (d.ping()) {
            l.pingNonce = ++nonces;
            l.lastPingAt = now;
            l.pingSentAt = now;
            l.answered = false;
            send(l, Protocol.ping(Protocol.PING, l.pingNonce, clock.nanoTime()));
        }
        if (before != l.missed) {
            changed(l.peer, l.peer.state);
        }
        scheduleHealth(l, Math.max(1, d.nextCheckAt() - now));
    }

    /**
     * Another monitor (or none) replaced the bound one. Pings, missed counts and the next check were the old
     * monitor's and mean something else to the new one, so every live link starts afresh under the new monitor
     * at once, as after a handshake: no ping sent, none missed, assessed now. The arrival history is the
     * mesh's and stays.
     */
    private void healthReplaced(HealthMonitor next) {
        boundHealth = next;
        long now = clock.now();
        for (Peer p : peers.values()) {
            Link l = p.live;
            if (l == null || l.closing) {
                continue;
            }
            if (l.healthTimer != null) {
                l.healthTimer.cancel();
                l.healthTimer = null;
            }
            int missed = l.missed;
            l.missed = 0;
            l.lastPingAt = NONE;
            l.pingSentAt = NONE;
            l.answered = false;
            l.monitoredSince = now;
            if (next != null) {
                scheduleHealth(l, 0);
            }
            if (missed != 0) {
                changed(p, p.state);
            }
        }
    }

    /** The first frame after a ping: one heartbeat arrival, whose interval adaptive monitors learn from. */
    private void heartbeatArrived(Link l) {
        if (l.peer != null && l.lastArrivalAt != NONE) {
            l.peer.arrivals.add(l.lastFrameAt - l.lastArrivalAt);
        }
        l.lastArrivalAt = l.lastFrameAt;
    }

    private void scheduleStable(Link l) {
        RetryPolicy retry = services.retry();
        long after = (retry == null ? FALLBACK_STABLE : retry.stableAfter()).toMillis();
        l.stableTimer = clock.schedule(() -> {
            l.stableTimer = null;
            Peer p = l.peer;
            if (p.live != l || l.closing) {
                return;
            }
            if (l.missed > 0) {
                scheduleStable(l);
                return;
            }
            if (p.failures != 0) {
                p.failures = 0;
                p.previousDelay = Duration.ZERO;
                changed(p, p.state);
            }
        }, after);
    }

    // ---------------------------------------------------------------- helpers

    private boolean dials(Peer p) {
        return services.topologyOrDefault(builtinTopology).dials(self(), new NodeRef(p.id, p.endpoint, p.role));
    }

    private NodeRef self() {
        return new NodeRef(identity.id(), listener != null ? listener.address() : settings.listen(), settings.role());
    }

    private Peer byId(String id) {
        for (Peer p : peers.values()) {
            if (id.equals(p.id)) {
                return p;
            }
        }
        return null;
    }

    Peer resolve(String ref) {
        String r = ref == null ? "" : ref.trim();
        if (r.isEmpty()) {
            throw new IllegalArgumentException("name a peer by id, id prefix (4+ characters) or host:port");
        }
        if (r.indexOf(':') >= 0) {
            InetSocketAddress address;
            try {
                address = ConfigValues.parseEndpoint(r);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("'" + r + "' is not a peer: " + e.getMessage());
            }
            Peer p = peers.get(address);
            if (p == null) {
                throw new IllegalArgumentException("no peer at " + r + " (known: " + knownList() + ")");
            }
            return p;
        }
        String lower = r.toLowerCase(Locale.ROOT);
        if (lower.length() < 4) {
            throw new IllegalArgumentException("'" + r + "' is too short: give at least 4 characters of the id");
        }
        List<Peer> matches = peers.values().stream().filter(p -> p.id != null && p.id.startsWith(lower))
            .collect(Collectors.toList());
        if (matches.isEmpty()) {
            throw new IllegalArgumentException("no peer matches '" + r + "' (known: " + knownList() + ")");
        }
        if (matches.size() > 1) {
            throw new IllegalArgumentException("'" + r + "' is ambiguous: matches " + matches);
        }
        return matches.get(0);
    }

    private String knownList() {
        return peers.isEmpty() ? "none" : peers.values().stream().map(Peer::toString).collect(Collectors.joining(", "));
    }

    private void cancel(Peer p) {
        if (p.timer != null) {
            p.timer.cancel();
            p.timer = null;
        }
        p.nextAttemptAt = 0;
    }

    private void record(Peer p, CloseReason reason, String detail) {
        p.lastReason = reason;
        p.lastDetail = detail == null ? "" : detail;
        p.lastCloseAt = clock.wallClock();
    }

    private static CloseReason parseReason(String name) {
        try {
            return CloseReason.valueOf(name);
        } catch (IllegalArgumentException e) {
            return CloseReason.REMOTE_CLOSED;
        }
    }

    private String describe(Link l) {
        return (l.peer != null ? l.peer.toString() : ConfigValues.format(l.conn.remoteAddress())) + " (connection #"
            + l.conn.id() + ")";
    }

    private void changed(Peer p, PeerState before) {
        PeerDTO d = dto(p);
        PeerState now = d.state;
        String cause = p.cause;
        p.cause = null;
        // Nested calls report the same change again: one log line and one history entry per real transition.
        if (now != p.recorded || p.history.isEmpty()) {
            PeerState from = p.history.isEmpty() ? null : p.recorded;
            String why = StateChanges.why(d, from, cause, p.waitingFor);
            log.info("peer {} {} → {}: {}", p, from == null ? "new" : from, now, why);
            TransitionDTO t = new TransitionDTO();
            t.at = clock.wallClock();
            t.from = from;
            t.to = now;
            t.reason = why;
            p.recorded = now;
            if (p.history.size() == HISTORY) {
                p.history.removeFirst();
            }
            p.history.addLast(t);
        }
        try {
            events.peerChanged(d, before);
        } catch (RuntimeException e) {
            log.error("mesh listener failed: {}", e.toString());
        }
    }

    PeerDTO dto(Peer p) {
        PeerDTO d = new PeerDTO();
        d.id = p.id;
        d.address = ConfigValues.format(p.endpoint);
        d.role = p.role.label();
        d.pinned = p.pinned;
        d.configured = p.configured;
        d.dialer = dials(p);
        d.state = p.live != null ? PeerState.CONNECTED : p.state;
        d.consecutiveFailures = p.failures;
        d.lastCloseReason = p.lastReason;
        d.lastCloseDetail = p.lastDetail;
        d.lastCloseAt = p.lastCloseAt;
        d.bytesIn = p.bytesIn;
        d.bytesOut = p.bytesOut;
        d.messagesIn = p.messagesIn;
        d.messagesOut = p.messagesOut;
        d.history = new ArrayList<>(p.history.size());
        for (TransitionDTO t : p.history) {
            TransitionDTO c = new TransitionDTO();
            c.at = t.at;
            c.from = t.from;
            c.to = t.to;
            c.reason = t.reason;
            d.history.add(c);
        }
        d.authentication = p.authentication;
        d.keyFingerprint = p.keyFingerprint;
        d.dialAttempts = p.dialAttempts;
        if (p.nextAttemptAt > 0) {
            d.nextAttemptAt = clock.wallClock() + Math.max(0, p.nextAttemptAt - clock.now());
        }
        Link l = p.live;
        if (l != null) {
            d.direction = l.direction();
            d.connectedSince = p.connectedSince;
            d.rttLastMicros = l.rttLast;
            d.rttMinMicros = l.rttMin;
            d.rttAvgMicros = l.rttCount == 0 ? -1 : l.rttSum / l.rttCount;
            d.missedPings = l.missed;
            d.handshakeMicros = l.handshakeMicros;
            d.remoteAddress = l.conn.remoteAddress() == null ? null : ConfigValues.format(l.conn.remoteAddress());
            d.localAddress = l.conn.localAddress() == null ? null : ConfigValues.format(l.conn.localAddress());
        }
        return d;
    }

    // ---------------------------------------------------------------- state

    /** One dial in progress. */
    static final class Dial {
        final Peer peer;
        long startedNanos;

        Dial(Peer peer) {
            this.peer = peer;
        }
    }

    /** Everything known about one peer. Confined to the mesh thread. */
    static final class Peer {
        final InetSocketAddress endpoint;
        String id;
        boolean pinned;
        boolean configured;
        boolean removed;
        NodeRole role = NodeRole.MASTERNODE;
        PeerState state = PeerState.IDLE;
        int failures;
        Duration previousDelay = Duration.ZERO;
        long nextAttemptAt;
        Scheduler.Task timer;
        Link live;
        Dial dialing;
        boolean reconnectRequested;
        boolean rejoin;
        String waitingFor;
        CloseReason lastReason;
        String lastDetail = "";
        long lastCloseAt;
        long connectedSince;
        long bytesIn;
        long bytesOut;
        long messagesIn;
        long messagesOut;
        long dialAttempts;
        /** Why the next state change happens, for the history; consumed by {@code changed}. */
        String cause;
        PeerState recorded;
        final java.util.ArrayDeque<TransitionDTO> history = new java.util.ArrayDeque<>();
        final Arrivals arrivals = new Arrivals();
        String authentication;
        String keyFingerprint;

        Peer(InetSocketAddress endpoint) {
            this.endpoint = endpoint;
        }

        @Override
        public String toString() {
            return (id == null ? "" : id.substring(0, Math.min(12, id.length())) + "@") + ConfigValues.format(endpoint);
        }
    }

    /** One connection and its heartbeat bookkeeping. Confined to the mesh thread. */
    static final class Link {
        final Connection conn;
        final Dial dial;
        Peer peer;
        Hello hello;
        boolean closing;
        boolean superseded;
        boolean offended;
        String claimedId;
        String[] remoteGoodbye;
        CompletableFuture<Void> goodbyeSent;
        long connectedAt;
        /** Outbound: when the dial started; inbound: when the transport handed the connection over (nanos). */
        long handshakeStartedNanos;
        long handshakeMicros = -1;
        /** When the bound monitor took over this live link; 0 if it has judged the link since the handshake. */
        long monitoredSince;
        long lastFrameAt;
        long lastPingAt = NONE;
        long pingSentAt = NONE;
        boolean answered;
        long lastArrivalAt = NONE;
        long pingNonce;
        int missed;
        long rttLast = -1;
        long rttMin = -1;
        long rttSum;
        long rttCount;
        Scheduler.Task healthTimer;
        Scheduler.Task stableTimer;
        /** Operator pings in flight, by nonce: the send time (nanos) and the caller's future. */
        final Map<Long, OperatorPing> operatorPings = new LinkedHashMap<>(2);

        Link(Connection conn, Dial dial) {
            this.conn = conn;
            this.dial = dial;
        }

        Direction direction() {
            return conn.direction();
        }

        /** Bytes before the link knew its peer (an inbound link learns it from the hello). */
        long unattributedIn;
        long unattributedOut;

        void countIn(long bytes) {
            if (peer != null) {
                peer.bytesIn += bytes;
            } else {
                unattributedIn += bytes;
            }
        }

        void countOut(long bytes) {
            if (peer != null) {
                peer.bytesOut += bytes;
            } else {
                unattributedOut += bytes;
            }
        }

        void attribute(Peer p) {
            peer = p;
            p.bytesIn += unattributedIn;
            p.bytesOut += unattributedOut;
            unattributedIn = 0;
            unattributedOut = 0;
        }

        void rtt(long micros) {
            rttLast = micros;
            rttMin = rttMin < 0 ? micros : Math.min(rttMin, micros);
            rttSum += micros;
            rttCount++;
        }

        void cancelTimers() {
            for (OperatorPing op : operatorPings.values()) {
                op.timeout().cancel();
                op.result().completeExceptionally(new IllegalStateException("the link closed before the pong arrived"));
            }
            operatorPings.clear();
            if (healthTimer != null) {
                healthTimer.cancel();
                healthTimer = null;
            }
            if (stableTimer != null) {
                stableTimer.cancel();
                stableTimer = null;
            }
        }
    }

    /** An operator's ping waiting for its pong. */
    record OperatorPing(long sentNanos, CompletableFuture<Duration> result, Scheduler.Task timeout) {}

    /** Posts transport events to the mesh thread; answers pings at once so round-trip times stay honest. */
    private final class Handler implements ConnectionHandler {
        private final Dial dial;

        Handler(Dial dial) {
            this.dial = dial;
        }

        @Override
        public KeyPair identity() {
            return identity.keyPair();
        }

        @Override
        public boolean accept(InetSocketAddress remote) {
            // Before any work: a banned source is closed by the transport at once.
            return remote == null || !bans.banned(remote.getAddress());
        }

        @Override
        public void rejected(InetSocketAddress remote, CloseReason reason, String detail) {
            if (dial == null) {
                clock.execute(() -> offence(remote, null, reason, detail));
            }
        }

        @Override
        public void opened(Connection c) {
            clock.execute(() -> MeshEngine.this.opened(c, dial));
        }

        @Override
        public void frame(Connection c, byte[] frame) {
            if (frame.length == 17 && frame[0] == Protocol.PING) {
                c.send(Protocol.pongFor(frame));
            }
            clock.execute(() -> MeshEngine.this.frame(c, frame));
        }

        @Override
        public void closed(Connection c, CloseReason reason, String detail) {
            clock.execute(() -> MeshEngine.this.closed(c, reason, detail));
        }
    }
}
