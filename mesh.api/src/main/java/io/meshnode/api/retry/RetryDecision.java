package io.meshnode.api.retry;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/** What to do after a peer's latest failure: try again after a delay, or give up (park the peer). */
public final class RetryDecision {
    private final Duration delay;
    private final Duration probe;
    private final boolean giveUp;

    private RetryDecision(Duration delay, Duration probe, boolean giveUp) {
        this.delay = delay;
        this.probe = probe;
        this.giveUp = giveUp;
    }

    /**
     * @param delay how long to wait before the next attempt, not negative
     * @return a decision to retry
     */
    public static RetryDecision retryAfter(Duration delay) {
        if (Objects.requireNonNull(delay, "delay").isNegative()) {
            throw new IllegalArgumentException("negative delay " + delay);
        }
        return new RetryDecision(delay, null, false);
    }

    /**
     * @param probe how often to re-probe the parked peer, or {@code null} to wait until an operator,
     *            a configuration change or the peer itself revives it
     * @return a decision to give up fast retries and park the peer
     */
    public static RetryDecision giveUp(Duration probe) {
        return new RetryDecision(null, probe, true);
    }

    /** @return {@code true} if the peer should be parked */
    public boolean isGiveUp() {
        return giveUp;
    }

    /** @return the delay before the next attempt; {@link Duration#ZERO} for a give-up */
    public Duration delay() {
        return giveUp ? Duration.ZERO : delay;
    }

    /** @return the slow re-probe period of a parked peer, empty if it waits to be revived */
    public Optional<Duration> probe() {
        return Optional.ofNullable(probe);
    }

    @Override
    public String toString() {
        return giveUp ? "giveUp(probe=" + probe + ")" : "retryAfter(" + delay + ")";
    }
}
