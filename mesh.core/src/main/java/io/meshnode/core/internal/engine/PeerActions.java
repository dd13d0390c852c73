package io.meshnode.core.internal.engine;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.LongSupplier;

import org.osgi.service.log.Logger;

import io.meshnode.api.mesh.PeerState;
import io.meshnode.api.transport.CloseReason;
import io.meshnode.core.internal.wire.Protocol;

/** What operators and applications ask of one peer: reconnect, disconnect, ping, whenWritable (data goes through {@link Routes}). */
final class PeerActions {
    /** How long an operator ping waits for its pong. */
    static final long PING_TIMEOUT_MILLIS = 10_000;

    private final Scheduler clock;
    private final Logger log;
    private final PeerTable table;
    private final LinkIo io;
    private final DialPlanner planner;
    private final PeerReporter reporter;
    private final LongSupplier nonces;

    PeerActions(Scheduler clock, Logger log, PeerTable table, LinkIo io, DialPlanner planner, PeerReporter reporter,
        LongSupplier nonces) {
        this.clock = clock;
        this.log = log;
        this.table = table;
        this.io = io;
        this.planner = planner;
        this.reporter = reporter;
        this.nonces = nonces;
    }

    void reconnect(Peer p) {
        int failures = p.failures;
        p.resetFailures();
        if (p.live() == null && p.dial() != null) {
            log.info("operator reconnect of {}: a dial is already under way ({}); failure count reset", p, p.phase.shown());
            return;
        }
        log.info("operator reconnect of {} (was {}, {} failures)", p, p.phase.shown(), failures);
        Link l = p.live();
        if (l != null) {
            l.afterClose = Link.AfterClose.REDIAL;
            l.redialCause = "operator reconnect";
            io.goodbye(l, CloseReason.ADMIN, "operator reconnect");
        } else {
            PeerState before = p.phase.shown();
            p.cancelTimer();
            // Revived: this dial is the operator's, not a parked peer's background probe.
            p.phase = new Phase.Idle(PeerState.IDLE);
            p.cause = "operator reconnect";
            planner.redialNow(p);
            reporter.changed(p, before);
        }
    }

    /** Closes the link of a peer that is not configured (it dialed in); configured peers are removed by configuration. */
    void disconnectUnconfigured(Peer p) {
        if (p.live() != null) {
            log.info("operator disconnect of {} (not configured: closing its link)", p);
            p.cause = "operator disconnect";
            io.goodbye(p.live(), CloseReason.ADMIN, "operator disconnect");
        }
    }

    /** Sends one ping outside the health monitor's schedule; its pong also counts as a round-trip sample. */
    CompletionStage<Duration> ping(Peer p) {
        Link l = p.live();
        if (l == null || l.closing) {
            return CompletableFuture.failedFuture(new IllegalStateException(
                "peer " + p + " is not connected (" + p.phase.shown().name().toLowerCase(Locale.ROOT) + ")"));
        }
        long nonce = nonces.getAsLong();
        long sent = clock.nanoTime();
        CompletableFuture<Duration> result = new CompletableFuture<>();
        Scheduler.Task timeout = clock.schedule(() -> {
            if (l.operatorPings.remove(nonce) != null) {
                result.completeExceptionally(new IllegalStateException(
                    "no pong from " + p + " within " + PING_TIMEOUT_MILLIS / 1000 + "s"));
            }
        }, PING_TIMEOUT_MILLIS);
        l.operatorPings.put(nonce, new Link.OperatorPing(sent, result, timeout));
        io.sendControl(l, Protocol.ping(nonce, sent));
        return result;
    }

    /**
     * Mesh thread: the whole id of the connected peer {@code ref} names, for a sender that named it otherwise.
     *
     * @throws IllegalArgumentException if no peer or several match
     * @throws IllegalStateException if the peer has no live link
     */
    String connectedId(String ref) {
        Peer p = table.resolve(ref);
        if (p.live() == null || p.id == null) {
            throw new IllegalStateException(
                "peer " + p + " is not connected (" + p.phase.shown().name().toLowerCase(Locale.ROOT) + ")");
        }
        return p.id;
    }

    CompletionStage<Void> whenWritable(Peer p) {
        Link l = p.live();
        if (l == null || l.closing) {
            return CompletableFuture.failedFuture(new IllegalStateException(
                "peer " + p + " is not connected (" + p.phase.shown().name().toLowerCase(Locale.ROOT) + ")"));
        }
        if (l.writable) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> waiter = new CompletableFuture<>();
        l.writableWaiters.add(waiter);
        return waiter;
    }
}
