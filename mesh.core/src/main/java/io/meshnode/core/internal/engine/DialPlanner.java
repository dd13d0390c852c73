package io.meshnode.core.internal.engine;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.DoubleSupplier;
import java.util.function.Function;

import org.osgi.service.log.Logger;

import io.meshnode.api.config.ConfigValues;
import io.meshnode.api.mesh.PeerState;
import io.meshnode.api.retry.RetryDecision;
import io.meshnode.api.retry.RetryPolicy;
import io.meshnode.api.topology.NodeRef;
import io.meshnode.api.transport.CloseReason;
import io.meshnode.api.transport.Connection;
import io.meshnode.api.transport.ConnectionHandler;
import io.meshnode.api.transport.Transport;

/**
 * When this side dials each peer: first contact (the designated dialer after the retry policy's first delay,
 * the other side after {@code dial.grace}), retries after failures, parking and probes, revival, and the
 * dial itself. Every method leaves the peer in exactly one {@link Phase} with its next step planned.
 */
final class DialPlanner {
    private final Scheduler clock;
    private final Logger log;
    private final NodeState node;
    private final PeerTable table;
    private final Plugins plugins;
    private final PeerReporter reporter;
    private final DoubleSupplier random;
    private final Function<Dial, ConnectionHandler> handlers;

    DialPlanner(Scheduler clock, Logger log, NodeState node, PeerTable table, Plugins plugins, PeerReporter reporter,
        DoubleSupplier random, Function<Dial, ConnectionHandler> handlers) {
        this.clock = clock;
        this.log = log;
        this.node = node;
        this.table = table;
        this.plugins = plugins;
        this.reporter = reporter;
        this.random = random;
        this.handlers = handlers;
    }

    boolean dials(Peer p) {
        return plugins.dials(node.self(), new NodeRef(p.id, p.endpoint, p.role));
    }

    /** Plans the next dial: after a failure through the retry policy, otherwise as a first contact. */
    void plan(Peer p, boolean afterFailure) {
        if (p.live() != null || p.dial() != null || node.stopped) {
            return;
        }
        p.cancelTimer();
        PeerState before = p.phase.shown();
        if (!p.configured) {
            // A node that dialed in is not ours to dial: it leaves the table with its link.
            table.remove(p);
            p.phase = new Phase.Idle(PeerState.IDLE);
            reporter.changed(p, before);
            return;
        }
        if (p.want == Shape.Want.NONE || p.want == Shape.Want.THEIRS) {
            p.phase = new Phase.Idle(PeerState.IDLE);
            if (p.cause == null) {
                p.cause = p.want == Shape.Want.NONE ? "not linked by the topology"
                    : "the topology links the pair from the peer's side: waiting for it to dial";
            }
            reporter.changed(p, before);
            return;
        }
        RetryPolicy retry = plugins.retry();
        boolean dialer = p.want == Shape.Want.OURS || dials(p);
        if (!afterFailure) {
            if (!dialer) {
                long grace = graceDelay();
                schedule(p, grace, PeerState.IDLE, grace);
            } else if (retry == null) {
                p.phase = new Phase.Waiting(PeerState.IDLE, "retry");
            } else {
                schedule(p, plugins.next(retry, p.role, 0, Duration.ZERO).delay().toMillis(), PeerState.IDLE, 0);
            }
        } else if (retry == null) {
            p.phase = new Phase.Waiting(PeerState.BACKOFF, "retry");
        } else {
            RetryDecision d = plugins.next(retry, p.role, p.failures, p.previousDelay);
            if (d.isGiveUp()) {
                if (before != PeerState.PARKED) {
                    log.warn("giving up fast retries of {} after {} consecutive failures (last: {}); {}", p, p.failures,
                        p.lastReason, d.probe().map(x -> "re-probing every " + ConfigValues.format(x))
                            .orElse("waiting for an operator, a configuration change or the peer to dial in"));
                }
                if (d.probe().isPresent()) {
                    schedule(p, d.probe().get().toMillis(), PeerState.PARKED, 0);
                } else {
                    p.phase = new Phase.Idle(PeerState.PARKED);
                }
            } else {
                p.previousDelay = d.delay();
                // Give the designated dialer the first chance, but never wait for it forever.
                long grace = dialer ? 0 : graceDelay();
                schedule(p, d.delay().toMillis() + grace, PeerState.BACKOFF, grace);
            }
        }
        reporter.changed(p, before);
    }

    /**
     * Picks up a peer's state from a previous mesh of this node: its failures and backoff, its park and probe, its
     * arrival history.
     *
     * @param elapsed milliseconds since the state was saved
     * @return {@code true} if the peer was parked or backing off and keeps that schedule; {@code false} if it needs
     *         a first contact planned
     */
    boolean resume(Peer p, io.meshnode.core.internal.config.SavedState.SavedPeer s, long elapsed) {
        p.failures = s.failures();
        p.previousDelay = Duration.ofMillis(s.previousDelayMillis());
        p.quickCloses = s.quickCloses();
        p.arrivals.addAll(s.arrivals());
        if (!s.parked() && s.nextAttemptIn() < 0) {
            // Linked (or between steps) when saved: a first contact, its failure count kept until a stable link.
            return false;
        }
        PeerState shown = s.parked() ? PeerState.PARKED : PeerState.BACKOFF;
        if (s.nextAttemptIn() < 0) {
            p.phase = new Phase.Idle(shown); // parked without a probe: waits for an operator, its config or the peer
        } else {
            schedule(p, Math.max(0, s.nextAttemptIn() - elapsed), shown, 0);
        }
        p.cause = "resumed: " + p.failures + " failures" + (s.parked() ? ", parked" : "")
            + (s.nextAttemptIn() < 0 ? "" : ", next attempt as planned");
        reporter.changed(p, PeerState.IDLE);
        return true;
    }

    /** Dials {@code p} at once (or as soon as a transport is bound), without counting a failure. */
    void redialNow(Peer p) {
        if (p.live() != null || p.dial() != null || node.stopped) {
            return;
        }
        PeerState before = p.phase.shown();
        p.cancelTimer();
        p.phase = new Phase.Idle(before == PeerState.PARKED ? PeerState.PARKED : PeerState.IDLE);
        attempt(p);
        reporter.changed(p, before);
    }

    /** Revives a parked or backing-off peer: failure count reset, first contact planned. */
    void revive(Peer p, String why) {
        if (p.live() != null || p.dial() != null) {
            return;
        }
        PeerState before = p.phase.shown();
        if (before == PeerState.PARKED) {
            log.info("peer {} revived: {}", p, why);
        }
        p.cause = "revived: " + why;
        p.resetFailures();
        p.cancelTimer();
        p.phase = new Phase.Idle(PeerState.IDLE);
        plan(p, false);
        reporter.changed(p, before);
    }

    /** Counts a failure and plans the retry. */
    void failed(Peer p, CloseReason reason, String detail) {
        PeerState before = p.phase.shown();
        p.failures++;
        p.record(reason, detail, clock.wallClock());
        p.cause = (reason + " " + (detail == null ? "" : detail)).trim() + " (failure " + p.failures + ")";
        log.debug("attempt {} to reach {} failed: {} {}", p.failures, p, reason, detail);
        p.phase = new Phase.Idle(before == PeerState.PARKED ? PeerState.PARKED : PeerState.BACKOFF);
        plan(p, true);
        reporter.changed(p, before);
    }

    /** The waiting peers whose service is back get their next step. */
    void servicesChanged() {
        for (Peer p : table.snapshot()) {
            if (p.phase instanceof Phase.Waiting w) {
                p.phase = new Phase.Idle(w.shown());
                if (w.service().equals("transport")) {
                    redialNow(p); // its attempt was due already, or its link went with the old transport
                } else {
                    plan(p, p.failures > 0);
                }
            }
        }
    }

    /**
     * Our transport was replaced: dials through the old one are abandoned and made again through the new one at
     * once, without counting a failure (the swap is ours, not the peer's).
     */
    void transportReplaced(Transport old) {
        for (Peer p : table.snapshot()) {
            Dial d = p.dial();
            if (d != null && d.transport == old && p.live() == null) {
                p.phase = new Phase.Idle(p.phase.shown() == PeerState.PARKED ? PeerState.PARKED : PeerState.IDLE);
                redialNow(p);
            } else if (d != null && d.transport == old) {
                p.phase = new Phase.Connected(p.live(), null);
            }
        }
    }

    /**
     * A node dialed in claiming {@code p}'s endpoint, and its connection is held until our dial checks who listens
     * there: the designated dialer of the pair evidently is up, so the grace this side gives it is over. A dial due
     * after a failure keeps its backoff (a claimer cannot hurry that), without the grace on top.
     */
    void graceOver(Peer p) {
        if (p.phase instanceof Phase.Scheduled s && s.grace() > 0 && p.live() == null && p.dial() == null) {
            PeerState shown = s.shown();
            p.cancelTimer();
            schedule(p, Math.max(0, s.at() - s.grace() - clock.now()), shown, 0);
        }
    }

    /** @param grace the part of {@code delay} that is this side's grace for the designated dialer */
    private void schedule(Peer p, long delay, PeerState shown, long grace) {
        Scheduler.Task[] task = new Scheduler.Task[1];
        Phase.Scheduled planned = new Phase.Scheduled(shown, () -> task[0].cancel(), clock.now() + delay, grace);
        task[0] = clock.schedule(() -> {
            if (p.phase == planned && table.contains(p)) {
                PeerState before = p.phase.shown();
                attempt(p);
                reporter.changed(p, before);
            }
        }, delay);
        p.phase = planned;
    }

    private long graceDelay() {
        long grace = node.settings.dialGrace().toMillis();
        return grace - Math.round(grace * 0.25 * random.getAsDouble());
    }

    /** Dials now, through the bound transport; without one the peer waits for it. */
    private void attempt(Peer p) {
        if (p.live() != null || p.dial() != null || node.stopped) {
            return;
        }
        PeerState shown = p.phase.shown();
        Transport t = node.transport;
        if (t == null) {
            p.phase = new Phase.Waiting(p.failures > 0 ? PeerState.BACKOFF : PeerState.IDLE, "transport");
            return;
        }
        Dial dial = new Dial(p, t);
        dial.startedNanos = clock.nanoTime();
        p.dialAttempts++;
        node.dialAttempts++;
        p.phase = new Phase.Dialing(dial, shown == PeerState.PARKED ? PeerState.PARKED : PeerState.CONNECTING);
        InetSocketAddress listen = node.settings.listen();
        InetSocketAddress local = listen.getAddress().isAnyLocalAddress() ? null : new InetSocketAddress(listen.getAddress(), 0);
        CompletionStage<Connection> connecting;
        try {
            // A peer given by host name is looked up at every dial, so a peer that moved is found again.
            InetSocketAddress target = new InetSocketAddress(p.endpoint.getHostString(), p.endpoint.getPort());
            connecting = target.isUnresolved()
                ? CompletableFuture.failedFuture(new java.net.UnknownHostException(p.endpoint.getHostString() + " does not resolve"))
                : t.connect(target, local, handlers.apply(dial));
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
        if (!dial.current()) {
            return; // abandoned: the peer was removed, or its dial was made again through a new transport
        }
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (p.live() != null) {
            // Our dial lost to the peer's own, which linked while ours was connecting (as LinkLifecycle.closed does
            // for a dial that opened): the live link stays the peer's, and nothing failed.
            log.debug("dial to {} failed while its link is live: {}", p, cause.getMessage());
            p.phase = new Phase.Connected(p.live(), null);
            return;
        }
        failed(p, CloseReason.CONNECT_FAILED, String.valueOf(cause.getMessage()));
    }
}
