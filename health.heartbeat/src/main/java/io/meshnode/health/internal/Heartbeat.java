package io.meshnode.health.internal;

import static io.meshnode.api.health.LinkObservation.NONE;

import java.time.Duration;

import io.meshnode.api.health.HealthDecision;
import io.meshnode.api.health.HealthVerdict;
import io.meshnode.api.health.LinkObservation;

/** The heartbeat rules, free of OSGi. Immutable. */
final class Heartbeat {
    final long interval;
    final long timeout;
    final int missed;

    Heartbeat(Duration interval, Duration timeout, int missed) {
        this.interval = interval.toMillis();
        this.timeout = timeout.toMillis();
        this.missed = missed;
    }

    HealthDecision assess(LinkObservation link, long now) {
        int misses = link.missed();
        boolean settled = false;
        long pingAt = link.pingSentAt();
        if (pingAt != NONE) {
            if (link.answered()) {
                // Any frame after the ping proves the peer alive, even if its pong is queued behind data.
                misses = 0;
                settled = true;
            } else if (now - pingAt >= timeout) {
                misses++;
                settled = true;
                if (misses >= missed) {
                    return new HealthDecision(HealthVerdict.FAILED, false, true, misses, now,
                        misses + " consecutive pings unanswered (timeout " + timeout + "ms each)");
                }
            } else {
                return new HealthDecision(verdict(misses), false, false, misses, pingAt + timeout, reason(misses));
            }
        } else if (link.lastPingAt() != NONE && link.lastFrameAt() > link.lastPingAt()) {
            misses = 0;
        }
        // The next ping is due one interval after the previous one, but never before now: after a stall
        // the node sends one ping and starts counting again, it never catches up on missed ticks.
        long due = link.lastPingAt() == NONE ? now : link.lastPingAt() + interval;
        if (due <= now) {
            return new HealthDecision(verdict(misses), true, settled, misses, now + Math.min(timeout, interval),
                reason(misses));
        }
        return new HealthDecision(verdict(misses), false, settled, misses, due, reason(misses));
    }

    private static HealthVerdict verdict(int misses) {
        return misses == 0 ? HealthVerdict.HEALTHY : HealthVerdict.SUSPECT;
    }

    private static String reason(int misses) {
        return misses == 0 ? "" : misses + " ping(s) unanswered";
    }
}
