package io.meshnode.health;

import static io.meshnode.api.health.LinkObservation.NONE;

import io.meshnode.api.health.HealthDecision;
import io.meshnode.api.health.HealthMonitor;
import io.meshnode.api.health.HealthVerdict;
import io.meshnode.api.health.LinkObservation;

/** A minimal monitor for mesh tests: ping every interval, fail after {@code missed} unanswered pings. */
public final class TestHeartbeat implements HealthMonitor {
    private final long interval;
    private final long timeout;
    private final int missed;

    public TestHeartbeat(long interval, long timeout, int missed) {
        this.interval = interval;
        this.timeout = timeout;
        this.missed = missed;
    }

    @Override
    public HealthDecision assess(LinkObservation l, long now) {
        int m = l.missed();
        boolean settled = false;
        if (l.pingSentAt() != NONE) {
            if (l.answered()) {
                m = 0;
                settled = true;
            } else if (now - l.pingSentAt() >= timeout) {
                m++;
                settled = true;
                if (m >= missed) {
                    return new HealthDecision(HealthVerdict.FAILED, false, true, m, now, m + " pings unanswered");
                }
            } else {
                return new HealthDecision(HealthVerdict.HEALTHY, false, false, m, l.pingSentAt() + timeout, "");
            }
        }
        long due = l.lastPingAt() == NONE ? now : l.lastPingAt() + interval;
        return due <= now ? new HealthDecision(HealthVerdict.HEALTHY, true, settled, m, now + timeout, "")
            : new HealthDecision(HealthVerdict.HEALTHY, false, settled, m, due, "");
    }
}
