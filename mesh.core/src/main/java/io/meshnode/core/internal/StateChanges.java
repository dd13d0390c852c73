package io.meshnode.core.internal;

import java.util.Locale;

import io.meshnode.api.mesh.PeerDTO;
import io.meshnode.api.mesh.PeerState;

/** The reason part of the one log line per peer state change ({@code peer X OLD → NEW: reason}). */
final class StateChanges {
    private StateChanges() {}

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
