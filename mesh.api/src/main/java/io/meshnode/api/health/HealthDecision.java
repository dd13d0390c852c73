package io.meshnode.api.health;

import java.util.Objects;

/**
 * The result of one assessment: the verdict, whether to send a ping now, the updated count of missed
 * pings, whether the outstanding ping is settled, and when to assess again. Immutable.
 */
public final class HealthDecision {
    private final HealthVerdict verdict;
    private final boolean ping;
    private final boolean settled;
    private final int missed;
    private final long nextCheckAt;
    private final String reason;

    /**
     * @param verdict the verdict
     * @param ping {@code true} to send one ping now
     * @param settled {@code true} if the outstanding ping is answered or counted as missed and should
     *            no longer be tracked
     * @param missed the new count of consecutive missed pings
     * @param nextCheckAt when to assess again, in the mesh clock's milliseconds; ignored when FAILED
     * @param reason a human-readable reason for a SUSPECT or FAILED verdict, may be empty
     */
    public HealthDecision(HealthVerdict verdict, boolean ping, boolean settled, int missed, long nextCheckAt, String reason) {
        this.verdict = Objects.requireNonNull(verdict);
        this.ping = ping;
        this.settled = settled;
        this.missed = missed;
        this.nextCheckAt = nextCheckAt;
        this.reason = reason == null ? "" : reason;
    }

    /** @return the verdict */
    public HealthVerdict verdict() {
        return verdict;
    }

    /** @return {@code true} if the mesh should send one ping now */
    public boolean ping() {
        return ping;
    }

    /** @return {@code true} if the outstanding ping no longer needs tracking */
    public boolean settled() {
        return settled;
    }

    /** @return consecutive missed pings after this assessment */
    public int missed() {
        return missed;
    }

    /** @return when to assess again */
    public long nextCheckAt() {
        return nextCheckAt;
    }

    /** @return why the link is suspect or failed */
    public String reason() {
        return reason;
    }

    @Override
    public String toString() {
        return verdict + (ping ? " ping" : "") + " missed=" + missed + " next=" + nextCheckAt
            + (reason.isEmpty() ? "" : " (" + reason + ")");
    }
}
