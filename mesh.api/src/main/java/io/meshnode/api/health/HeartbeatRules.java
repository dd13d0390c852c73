package io.meshnode.api.health;

import static io.meshnode.api.health.LinkObservation.NONE;

import java.time.Duration;

/**
 * The plain heartbeat rules as a ready {@link HealthMonitor}: a ping every {@code interval}, each answered
 * within {@code timeout}, the link failed after {@code missed} pings in a row go unanswered. Any frame after a
 * ping proves the peer alive, even if its pong is queued behind data. After a stall one ping is sent and
 * counting starts again; missed ticks are never caught up.
 * <p>
 * The default health bundle applies these rules with its configuration, and the mesh falls back to them
 * (30 s / 10 s / 3) while a bound monitor misbehaves. Immutable and thread-safe.
 *
 * @since 1.2
 */
public final class HeartbeatRules implements HealthMonitor {
    /** The documented defaults: 30 s / 10 s / 3 missed. */
    public static final HeartbeatRules DEFAULTS = new HeartbeatRules(Duration.ofSeconds(30), Duration.ofSeconds(10), 3);

    private final long interval;
    private final long timeout;
    private final int missed;

    /**
     * @param interval time between pings, positive
     * @param timeout how long one ping may stay unanswered, positive
     * @param missed consecutive unanswered pings that fail the link, at least 1
     */
    public HeartbeatRules(Duration interval, Duration timeout, int missed) {
        if (interval.isNegative() || interval.isZero() || timeout.isNegative() || timeout.isZero() || missed < 1) {
            throw new IllegalArgumentException("interval and timeout must be positive and missed at least 1");
        }
        this.interval = interval.toMillis();
        this.timeout = timeout.toMillis();
        this.missed = missed;
    }

    @Override
    public HealthDecision assess(LinkObservation link, long now) {
        int misses = link.missed();
        boolean settled = false;
        long pingAt = link.pingSentAt();
        if (pingAt != NONE) {
            if (link.answered()) {
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

    @Override
    public String toString() {
        return "heartbeat " + interval + "ms / " + timeout + "ms / " + missed;
    }
}
