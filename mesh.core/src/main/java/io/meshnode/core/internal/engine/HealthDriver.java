package io.meshnode.core.internal.engine;

import static io.meshnode.api.health.LinkObservation.NONE;

import java.util.function.LongSupplier;

import org.osgi.service.log.Logger;

import io.meshnode.api.health.HealthDecision;
import io.meshnode.api.health.HealthMonitor;
import io.meshnode.api.health.HealthVerdict;
import io.meshnode.api.health.LinkObservation;
import io.meshnode.api.transport.CloseReason;
import io.meshnode.core.internal.wire.Protocol;

/**
 * Drives the bound health monitor over every live link: asks it when to ping and whether the link failed,
 * hands the links over when the monitor is replaced, feeds it heartbeat arrivals, and resets a peer's
 * failure count once its link has been stable. The monitor decides; the state is kept here and in the link.
 */
final class HealthDriver {
    /** The longest a live link goes without its monitor being asked. */
    static final long RECHECK_MILLIS = 5_000;

    private final Scheduler clock;
    /** The links' checks, grouped so that links due within the same few milliseconds share one wake-up. */
    private final CoarseTimers timers;
    private final Logger log;
    private final Plugins plugins;
    private final LinkIo io;
    private final PeerTable table;
    private final PeerReporter reporter;
    private final LongSupplier nonces;
    /** The monitor whose schedule and counters the links' bookkeeping belongs to. */
    private HealthMonitor bound;

    HealthDriver(Scheduler clock, Logger log, Plugins plugins, LinkIo io, PeerTable table, PeerReporter reporter,
        LongSupplier nonces) {
        this.clock = clock;
        this.timers = new CoarseTimers(clock);
        this.log = log;
        this.plugins = plugins;
        this.io = io;
        this.table = table;
        this.reporter = reporter;
        this.nonces = nonces;
    }

    /** A link became live: judged at once, and its stability timed. */
    void started(Link l) {
        schedule(l, 0);
        scheduleStable(l);
    }

    /** The bound services changed: a new monitor takes every live link over; links left unmonitored resume. */
    void servicesChanged() {
        HealthMonitor h = plugins.health();
        if (h != bound) {
            replaced(h);
        }
        for (Peer p : table.all()) {
            Link l = p.live();
            if (l != null && l.healthTimer == null && !l.closing && bound != null) {
                schedule(l, 0);
            }
        }
    }

    /**
     * The bound monitor is the same but its settings changed: each live link is assessed now, its pings and misses
     * kept (they are the same monitor's), and its next check is whatever the new settings say.
     */
    void replan() {
        HealthMonitor h = plugins.health();
        if (h != bound) {
            servicesChanged(); // a replacement not handed over yet: that starts every link afresh
            return;
        }
        for (Peer p : table.all()) {
            Link l = p.live();
            if (l == null || l.closing || h == null) {
                continue;
            }
            if (l.healthTimer != null) {
                l.healthTimer.cancel();
            }
            schedule(l, 0);
        }
    }

    /** A frame arrived on {@code l}: the first one after a ping is one heartbeat arrival. */
    void frameArrived(Link l) {
        l.lastFrameAt = clock.now();
        if (l.pingSentAt != NONE && !l.answered) {
            l.answered = true;
            if (l.peer != null && l.lastArrivalAt != NONE) {
                l.peer.arrivals.add(l.lastFrameAt - l.lastArrivalAt);
            }
            l.lastArrivalAt = l.lastFrameAt;
        }
    }

    /** A pong arrived: a round-trip sample if it answers the monitor's ping. */
    void pong(Link l, long nonce, long sentNanos) {
        if (nonce == l.pingNonce) {
            l.rtt((clock.nanoTime() - sentNanos) / 1_000);
        }
    }

    private void schedule(Link l, long delay) {
        l.healthTimer = timers.schedule(() -> assess(l), delay);
    }

    private void assess(Link l) {
        l.healthTimer = null;
        if (!l.live()) {
            return;
        }
        HealthMonitor monitor = plugins.health();
        if (monitor != bound) {
            replaced(monitor); // bound a moment ago, its servicesChanged() still queued: hand over first
            return;
        }
        if (monitor == null) {
            return; // resumed by servicesChanged() when a monitor is bound again
        }
        long now = timers.now(); // the links checked together are judged at one time and stay together
        // To a monitor that took over a live link, the link looks as if it had connected then: it judges no
        // silence that fell under its predecessor's (possibly much slower) schedule.
        long since = Math.max(l.connectedAt, l.monitoredSince);
        HealthDecision d = plugins.assess(monitor, new LinkObservation(since, Math.max(l.lastFrameAt, since), l.lastPingAt,
            l.pingSentAt, l.answered, l.missed, l.peer.arrivals.toArray()), now);
        int before = l.missed;
        l.missed = d.missed();
        if (d.settled()) {
            l.pingSentAt = NONE;
            l.answered = false;
        }
        if (d.verdict() == HealthVerdict.FAILED) {
            log.warn("{} is not answering: {}", l.peer, d.reason());
            io.closeNow(l, CloseReason.TIMEOUT, d.reason()); // immediate: closing never waits on the peer
            return;
        }
        if (d.ping()) {
            l.pingNonce = nonces.getAsLong();
            l.lastPingAt = now;
            l.pingSentAt = now;
            l.answered = false;
            io.sendControl(l, Protocol.ping(l.pingNonce, clock.nanoTime()));
        }
        if (before != l.missed) {
            reporter.changed(l.peer, l.peer.phase.shown());
        }
        // Asked again at least every RECHECK_MILLIS, whatever the monitor said: a monitor whose configuration changes
        // live is the same service object; one that says so by its service properties is re-planned at once
        // (replan), and this bounds the wait for one that does not (a 30 s heartbeat cut to 100 ms would otherwise
        // apply up to 30 s later).
        schedule(l, Math.max(1, Math.min(RECHECK_MILLIS, d.nextCheckAt() - now)));
    }

    /**
     * Another monitor (or none) replaced the bound one. Pings, missed counts and the next check were the old
     * monitor's and mean something else to the new one, so every live link starts afresh under the new monitor
     * at once, as after a handshake: no ping sent, none missed, assessed now. The arrival history is the
     * mesh's and stays.
     */
    private void replaced(HealthMonitor next) {
        bound = next;
        long now = clock.now();
        for (Peer p : table.all()) {
            Link l = p.live();
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
                schedule(l, 0);
            }
            if (missed != 0) {
                reporter.changed(p, p.phase.shown());
            }
        }
    }

    private void scheduleStable(Link l) {
        l.stableTimer = clock.schedule(() -> {
            l.stableTimer = null;
            Peer p = l.peer;
            if (!l.live()) {
                return;
            }
            if (l.missed > 0) {
                scheduleStable(l);
                return;
            }
            p.quickCloses = 0;
            if (p.failures != 0) {
                p.resetFailures();
                reporter.changed(p, p.phase.shown());
            }
        }, plugins.stableAfter().toMillis());
    }
}
