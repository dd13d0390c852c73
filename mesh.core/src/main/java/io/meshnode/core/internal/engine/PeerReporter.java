package io.meshnode.core.internal.engine;

import java.util.ArrayList;
import java.util.Locale;
import java.util.function.Predicate;

import org.osgi.service.log.Logger;

import io.meshnode.api.config.ConfigValues;
import io.meshnode.api.mesh.PeerDTO;
import io.meshnode.api.mesh.PeerState;
import io.meshnode.api.mesh.TransitionDTO;

/**
 * One log line and one history entry per real state transition of a peer, its DTO, and the listener event.
 * The line reads {@code peer X OLD → NEW: reason}.
 */
final class PeerReporter {
    /** How many state transitions each peer keeps for the console. */
    static final int HISTORY = 16;

    private final Scheduler clock;
    private final Logger log;
    private final Events events;
    private final Predicate<Peer> dialer;

    PeerReporter(Scheduler clock, Logger log, Events events, Predicate<Peer> dialer) {
        this.clock = clock;
        this.log = log;
        this.events = events;
        this.dialer = dialer;
    }

    /** Reports {@code p} after a change; nested calls for the same transition log it once. */
    void changed(Peer p, PeerState before) {
        PeerDTO d = dto(p);
        PeerState now = d.state;
        String cause = p.cause;
        p.cause = null;
        if (now != p.recorded || p.history.isEmpty()) {
            PeerState from = p.history.isEmpty() ? null : p.recorded;
            String why = why(d, from, cause, p.phase instanceof Phase.Waiting w ? w.service() : null);
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
        d.dialer = dialer.test(p);
        d.linked = p.want.linked();
        d.state = p.phase.shown();
        d.consecutiveFailures = p.failures;
        d.lastCloseReason = p.lastReason;
        d.lastCloseDetail = p.lastDetail;
        d.lastCloseAt = p.lastCloseAt;
        d.bytesIn = p.bytesIn + p.dataBytesIn.sum();
        d.bytesOut = p.bytesOut + p.dataBytesOut.sum();
        d.messagesIn = p.messagesIn.sum();
        d.messagesOut = p.messagesOut.sum();
        d.dialAttempts = p.dialAttempts;
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
        d.topology = p.topology;
        long at = p.nextAttemptAt();
        if (at > 0) {
            d.nextAttemptAt = clock.wallClock() + Math.max(0, at - clock.now());
        }
        Link l = p.live();
        if (l != null) {
            d.direction = l.direction();
            d.connectedSince = p.connectedSince;
            d.rttLastMicros = l.rttLast;
            d.rttMinMicros = l.rttMin;
            d.rttAvgMicros = l.rttCount == 0 ? -1 : l.rttSum / l.rttCount;
            d.missedPings = l.missed;
            d.handshakeMicros = l.handshakeMicros;
            d.queuedBytes = l.conn.pendingBytes();
            d.remoteAddress = l.conn.remoteAddress() == null ? null : ConfigValues.format(l.conn.remoteAddress());
            d.localAddress = l.conn.localAddress() == null ? null : ConfigValues.format(l.conn.localAddress());
        }
        return d;
    }

    /**
     * @param after the peer after the change
     * @param before the state last reported, {@code null} for a new peer
     * @param cause what the engine was asked to do, if anything (operator reconnect, configuration change)
     * @param waitingFor the service the peer waits for, if any
     */
    static String why(PeerDTO after, PeerState before, String cause, String waitingFor) {
        if (cause != null) {
            return cause;
        }
        if (before == null) {
            return after.configured ? "configured" : "dialed in";
        }
        switch (after.state) {
            case CONNECTED:
                return "handshake complete, " + after.direction.name().toLowerCase(Locale.ROOT);
            case HANDSHAKING:
                return "TCP connected, exchanging hellos";
            case CONNECTING:
                return before == PeerState.PARKED ? "probing a parked peer"
                    : after.consecutiveFailures > 0 ? "retry after " + after.consecutiveFailures + " failures" : "dialing";
            default:
                break;
        }
        if (waitingFor != null && after.nextAttemptAt == 0 && after.state != PeerState.PARKED) {
            return "waiting for a " + waitingFor + " service";
        }
        String last = after.lastCloseReason == null ? ""
            : after.lastCloseReason + (after.lastCloseDetail == null || after.lastCloseDetail.isEmpty() ? ""
                : " (" + after.lastCloseDetail + ")");
        switch (after.state) {
            case BACKOFF:
                return last + (last.isEmpty() ? "" : "; ") + after.consecutiveFailures + " failures, next attempt scheduled";
            case PARKED:
                return last + (last.isEmpty() ? "" : "; ") + "fast retries given up after " + after.consecutiveFailures
                    + " failures";
            default:
                return last.isEmpty() ? "waiting for the peer to dial" : last;
        }
    }
}
