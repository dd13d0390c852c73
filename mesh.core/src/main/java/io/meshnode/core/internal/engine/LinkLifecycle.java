package io.meshnode.core.internal.engine;

import java.net.InetSocketAddress;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.osgi.service.log.Logger;

import io.meshnode.api.config.ConfigValues;
import io.meshnode.api.mesh.PeerState;
import io.meshnode.api.transport.CloseReason;
import io.meshnode.api.transport.Connection;
import io.meshnode.core.internal.config.KnownPeers;
import io.meshnode.core.internal.security.BanList;
import io.meshnode.core.internal.security.Identity;
import io.meshnode.core.internal.security.Security;
import io.meshnode.core.internal.wire.Frame.Hello;
import io.meshnode.core.internal.wire.Protocol;
import io.meshnode.core.internal.wire.ProtocolException;

/**
 * A connection from open to close: the hello sent on open, the peer's hello applied (through
 * {@link Handshake}), the live link chosen (through {@link LinkArbiter}), and on close the peer's next step
 * (through {@link CloseClassifier}). Offences of inbound sources are counted here.
 */
final class LinkLifecycle {
    private final Scheduler clock;
    private final Logger log;
    private final NodeState node;
    private final PeerTable table;
    private final LinkIo io;
    private final Handshake handshake;
    private final DialPlanner planner;
    private final HealthDriver health;
    private final PeerReporter reporter;
    private final Plugins plugins;
    private final BanList bans;
    private final KnownPeers known;
    private final Offences offences;
    /** Re-plans the shape: the membership changed (a node learned, an id learned). */
    private final Runnable reshape;

    LinkLifecycle(Scheduler clock, Logger log, NodeState node, PeerTable table, LinkIo io, Handshake handshake,
        DialPlanner planner, HealthDriver health, PeerReporter reporter, Plugins plugins, BanList bans, KnownPeers known,
        Runnable reshape) {
        this.clock = clock;
        this.log = log;
        this.node = node;
        this.table = table;
        this.io = io;
        this.handshake = handshake;
        this.planner = planner;
        this.health = health;
        this.reporter = reporter;
        this.plugins = plugins;
        this.bans = bans;
        this.known = known;
        this.offences = new Offences(log, node, table, bans);
        this.reshape = reshape;
        known.onFailure(e -> log.warn("cannot save the ids learned from configured peers: {}", e.getMessage()));
    }

    void opened(Connection c, Dial dial) {
        Link l = io.opened(c, dial);
        l.handshakeStartedNanos = dial != null ? dial.startedNanos : clock.nanoTime();
        // Removed from the configuration or the shape, or dialed again through a new transport, while TCP connected.
        boolean abandoned = dial != null && (!dial.current() || !table.contains(dial.peer) || !dial.peer.want.linked());
        if (dial != null && !abandoned && !node.stopped) {
            l.peer = dial.peer; // before the hello, whose bytes count toward the peer
            if (dial.peer.phase instanceof Phase.Dialing d) {
                PeerState before = d.shown();
                dial.peer.phase = new Phase.Dialing(dial, PeerState.HANDSHAKING);
                reporter.changed(dial.peer, before);
            }
        }
        // The hello goes first on every connection, even one closed at once: to a node that does not know this one,
        // a goodbye (or a close) before the hello is an offence, and enough of them ban an honest node.
        io.sendControl(l, Protocol.hello(new Hello(node.maxVersion, node.minVersion, node.identity.id(), node.settings.role(),
            node.advertised(), Math.max(Protocol.MIN_FRAME_MAX, c.maxFrameSize()), node.capabilities,
            plugins.topologyShortName())));
        if (node.stopped) {
            io.goodbye(l, CloseReason.SHUTDOWN, "node shutting down");
        } else if (abandoned) {
            io.goodbye(l, CloseReason.ADMIN, "this dial was abandoned");
        }
    }

    void hello(Link l, Hello h) throws ProtocolException {
        if (l.hello != null) {
            throw new ProtocolException("second hello");
        }
        l.claimedId = h.id();
        Handshake.Decision d = handshake.decide(l, h);
        if (d instanceof Handshake.Refuse r) {
            if (r.offence() != null) {
                offence(l, CloseReason.REFUSED, r.offence());
            }
            io.refuse(l, r.reason());
        } else if (d instanceof Handshake.SelfLink s) {
            io.refuse(l, "self-connection: node " + h.id() + " reached itself");
            if (s.parked() != null) {
                Peer p = s.parked();
                PeerState before = p.phase.shown();
                p.cancelTimer();
                p.record(CloseReason.REFUSED, "this endpoint is the node itself", clock.wallClock());
                p.phase = new Phase.Idle(PeerState.PARKED);
                p.cause = "this endpoint is the node itself";
                log.error("configured peer {} is this node itself; parked", ConfigValues.format(p.endpoint));
                reporter.changed(p, before);
            }
        } else if (d instanceof Handshake.RefuseAndProbe r) {
            io.refuse(l, r.reason());
            probe(r.peer());
        } else if (d instanceof Handshake.Verify v) {
            hold(l, h, v);
        } else if (d instanceof Handshake.Accept a) {
            accept(l, h, a);
        }
    }

    /** An inbound connection waiting for a dial to vouch for the endpoint its hello claims. */
    private record Held(Link link, Hello hello, String authentication, Scheduler.Task timeout) {}

    /** How long an inbound connection waits for the dial that checks its claimed endpoint. */
    static final long HOLD_MILLIS = 15_000;

    /** Held inbound connections by the configured peer whose endpoint they claim. */
    private final Map<Peer, List<Held>> held = new IdentityHashMap<>();

    /**
     * Holds an inbound connection that claims a configured endpoint whose id is not known, and dials that
     * endpoint: the hello it gets there decides ({@link #vouch}). Until then nothing the connection sends is
     * delivered (its pings are answered, so its side does not give up).
     */
    private void hold(Link l, Hello h, Handshake.Verify v) {
        Peer p = v.peer();
        l.hello = h;
        log.info("{} claims to be the node at {}, whose id is not known yet: dialing it to check before linking",
            l.describe(), ConfigValues.format(p.endpoint));
        Scheduler.Task timeout = clock.schedule(() -> {
            List<Held> waiting = held.get(p);
            if (waiting != null && waiting.removeIf(w -> w.link() == l)) {
                if (waiting.isEmpty()) {
                    held.remove(p);
                }
                io.refuse(l, "the node listening on " + ConfigValues.format(p.endpoint) + " could not be reached to check"
                    + " that it is " + h.id());
            }
        }, HOLD_MILLIS);
        held.computeIfAbsent(p, k -> new ArrayList<>()).add(new Held(l, h, v.authentication(), timeout));
        probe(p);
    }

    /** Our dial reached {@code p}: the connections held for its endpoint are linked if they are that node, else refused. */
    private void vouch(Peer p) {
        List<Held> waiting = held.remove(p);
        if (waiting == null) {
            return;
        }
        for (Held w : waiting) {
            w.timeout().cancel();
            if (w.link().closing || !w.link().conn.isOpen()) {
                continue;
            }
            if (w.hello().id().equals(p.id)) {
                accept(w.link(), w.hello(), new Handshake.Accept(p, false, w.authentication()));
            } else {
                io.refuse(w.link(), "the node listening on " + ConfigValues.format(p.endpoint) + " is " + p.id + ", not "
                    + w.hello().id());
            }
        }
    }

    private void unhold(Link l) {
        for (var it = held.values().iterator(); it.hasNext();) {
            List<Held> waiting = it.next();
            waiting.removeIf(w -> {
                if (w.link() == l) {
                    w.timeout().cancel();
                    return true;
                }
                return false;
            });
            if (waiting.isEmpty()) {
                it.remove();
            }
        }
    }

    /**
     * Keeps the refusal's promise: a configured endpoint that a node dialed in to claim is dialed now, so that
     * the node really listening there gets its link, unless a dial is under way or due after a failure (a
     * claimer cannot hurry a peer's backoff; it only ends the grace this side was giving the designated dialer).
     */
    private void probe(Peer p) {
        if (!p.configured || p.live() != null || p.dial() != null || !table.contains(p)) {
            return;
        }
        if (p.phase.shown() == PeerState.PARKED) {
            planner.revive(p, "a node claiming its endpoint dialed in");
        } else if (!(p.phase instanceof Phase.Scheduled) || p.failures == 0) {
            p.cause = "a node claiming its endpoint dialed in: dialing it to learn its key";
            planner.redialNow(p);
        } else {
            planner.graceOver(p);
        }
    }

    private void accept(Link l, Hello h, Handshake.Accept a) {
        Peer p = a.peer();
        if (a.created() && !l.conn.isOpen()) {
            // A node that dialed in and closed again (or was closed by the transport) while its hello waited for the
            // mesh thread: nothing to link and nothing to remember; its close follows, after a hello, so no offence.
            l.hello = h;
            log.debug("{}: hello arrived after the connection closed", l.describe());
            return;
        }
        if (a.created()) {
            table.add(p);
            reporter.changed(p, null);
        }
        if (l.peer == null) {
            l.attribute(p);
        }
        boolean learned = a.created() || !h.id().equals(p.id);
        if (p.id != null && !p.id.equals(h.id())) {
            log.info("peer at {} has a new identity: {} (was {})", ConfigValues.format(p.endpoint), h.id(), p.id);
        }
        p.id = h.id();
        p.role = h.role();
        p.authentication = l.conn.security() + ", " + a.authentication() + (p.pinned ? ", pinned id" : ", admit = any");
        PublicKey key = l.conn.peerKey();
        p.keyFingerprint = key == null ? null : Identity.fingerprint(key);
        learn(p);
        l.hello = h;
        l.version = h.agreed(node.minVersion, node.maxVersion);
        l.capabilities = node.capabilities & h.capabilities();
        l.frameMax = Math.min(l.conn.maxFrameSize(), h.frameMax());
        String ours = plugins.topologyShortName();
        if (!h.topology().isEmpty() && !h.topology().equals(ours) && !h.topology().equals(p.topology)) {
            log.info("peer {} shapes its mesh with {}, this node with {}: the mesh keeps the union of both", p,
                h.topology(), ours);
        }
        p.topology = h.topology();
        l.conn.established();
        if (!l.conn.isOpen()) {
            // Closed (the peer's duplicate, the transport's handshake timeout) while this hello waited for the mesh
            // thread: its close event follows. Adopting it would replace a live link with a dead one. But the hello
            // of our dial still proved who listens at the endpoint, and the connections held for that proof are
            // linked now: the peer closes our dial at once exactly when it already holds a link to us, the held one.
            log.debug("{}: hello arrived after the transport closed the connection", l.describe());
            if (l.dial != null) {
                vouch(p);
            }
            if (learned) {
                reshape.run();
            }
            return;
        }
        l.connectedAt = clock.now();
        l.handshakeMicros = (clock.nanoTime() - l.handshakeStartedNanos) / 1_000;
        adopt(l);
        if (l.dial != null) {
            vouch(p);
        }
        if (learned) {
            reshape.run();
        }
    }

    /** Makes a handshaken link the peer's live link, or resolves it against the one already live. */
    private void adopt(Link l) {
        Peer p = l.peer;
        PeerState before = p.phase.shown();
        Link current = p.live();
        Dial pending = p.dial() == l.dial ? null : p.dial();
        if (current != null && current != l) {
            Link keep = LinkArbiter.keep(current, l, plugins.keepsOutbound(node.identity.id(), p.id), clock.now());
            Link drop = keep == l ? current : l;
            log.debug("duplicate connection to {}: keeping #{} ({}), closing #{}", p, keep.conn.id(), keep.direction(),
                drop.conn.id());
            if (keep == current) {
                p.phase = new Phase.Connected(current, pending);
                io.goodbye(drop, CloseReason.DUPLICATE, "duplicate connection, keeping #" + keep.conn.id());
                return;
            }
            p.phase = new Phase.Idle(PeerState.IDLE); // the old link is no longer the peer's
            io.goodbye(drop, CloseReason.DUPLICATE, "duplicate connection, keeping #" + keep.conn.id());
        }
        p.cancelTimer();
        p.phase = new Phase.Connected(l, pending);
        io.republish(table.all()); // after the link it replaces was told to close: see Routes
        p.connectedSince = clock.wallClock();
        log.info("connected to {} ({}, {})", p, l.direction().name().toLowerCase(Locale.ROOT), p.role.label());
        p.cause = "handshake completed (" + l.direction().name().toLowerCase(Locale.ROOT) + ")";
        health.started(l);
        reporter.changed(p, before);
    }

    void closed(Connection c, CloseReason reason, String detail) {
        Link l = io.remove(c);
        if (l == null) {
            return;
        }
        l.closing = true;
        io.routes.closing(c);
        l.cancelTimers();
        if (!held.isEmpty()) {
            unhold(l);
        }
        if (Security.isOffence(reason)) {
            offence(l, reason, detail);
        } else if (l.hello == null && (reason == CloseReason.REMOTE_CLOSED || reason == CloseReason.IO_ERROR)) {
            offence(l, reason, "abandoned its handshake: " + detail); // counted for inbound connections only
        }
        Peer p = l.peer;
        if (p == null) {
            log.debug("{} closed before its hello: {} {}", l.describe(), reason, detail);
            return;
        }
        PeerState before = p.phase.shown();
        boolean wasLive = p.live() == l;
        boolean wasDial = l.dial != null && l.dial.current();
        if (!wasLive && !wasDial) {
            if (l.hello == null && reason.isFailure() && l.dial == null) {
                log.debug("inbound handshake from {} failed: {} {}", l.describe(), reason, detail);
            }
            return; // a duplicate that lost, an abandoned dial: the peer's phase is someone else's
        }
        if (wasDial && p.live() != null) {
            p.phase = new Phase.Connected(p.live(), null); // our dial lost to the live link
            reporter.changed(p, before);
            return;
        }
        boolean unstable = !wasLive || clock.now() - l.connectedAt < plugins.stableAfter().toMillis();
        if (unstable && !CloseClassifier.effective(reason, l.remoteGoodbye).isFailure()
            && l.afterClose == Link.AfterClose.DECIDE) {
            p.quickCloses++;
        }
        CloseClassifier.Outcome o = CloseClassifier.classify(reason, detail, l.remoteGoodbye, l.afterClose, p.quickCloses,
            unstable);
        p.phase = new Phase.Idle(before == PeerState.PARKED ? PeerState.PARKED : PeerState.IDLE);
        if (wasLive) {
            io.republish(table.all());
            p.record(o.reason(), o.detail(), clock.wallClock());
        }
        if (node.stopped || !table.contains(p)) {
            reporter.changed(p, before);
            return;
        }
        switch (o.step()) {
            case REDIAL -> {
                if (wasLive) {
                    log.info("link to {} closed: {} {}; reconnecting at once", p, o.reason(), o.detail());
                }
                p.cause = l.redialCause;
                planner.redialNow(p);
            }
            case FAILURE -> {
                if (wasLive) {
                    log.info("link to {} lost: {} {}", p, o.reason(), o.detail());
                }
                planner.failed(p, o.reason(), o.detail());
            }
            case FIRST_CONTACT -> {
                if (wasLive) {
                    log.info("link to {} closed: {} {}", p, o.reason(), o.detail());
                    p.cause = ("link closed: " + o.reason() + " " + (o.detail() == null ? "" : o.detail())).trim();
                }
                planner.plan(p, false);
            }
        }
        reporter.changed(p, before);
    }

    void offence(Link l, CloseReason reason, String detail) {
        offences.offence(l, reason, detail);
    }

    void offence(InetSocketAddress remote, String claimedId, CloseReason reason, String detail) {
        offences.offence(remote, claimedId, reason, detail);
    }

    /**
     * Remembers the id of a configured endpoint (only those: a node that dials in claims its endpoint, and
     * remembering claims would let anyone grow the file). The file is written off the mesh thread.
     */
    private void learn(Peer p) {
        if (p.configured && known.learn(ConfigValues.format(p.endpoint), p.id)) {
            known.save();
        }
    }
}
