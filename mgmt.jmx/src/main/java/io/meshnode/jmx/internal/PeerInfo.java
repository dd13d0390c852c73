package io.meshnode.jmx.internal;

import io.meshnode.api.mesh.PeerDTO;

/**
 * One row of the peer table, an open-type composite in JMX. Times are milliseconds since the epoch (0 when not
 * applicable), round-trip times microseconds (-1 when not measured); absent texts are empty strings, which
 * monitoring exporters handle better than nulls.
 */
public final class PeerInfo {
    private final PeerDTO p;
    private final PeerCounters.Counts counts;

    PeerInfo(PeerDTO p, PeerCounters.Counts counts) {
        this.p = p;
        this.counts = counts;
    }

    private static String text(Object o) {
        return o == null ? "" : o.toString();
    }

    public String getId() {
        return text(p.id);
    }

    public String getAddress() {
        return p.address;
    }

    public String getRole() {
        return p.role;
    }

    public String getState() {
        return text(p.state);
    }

    public String getDirection() {
        return p.direction == null ? "" : p.direction.name().toLowerCase(java.util.Locale.ROOT);
    }

    public boolean isConfigured() {
        return p.configured;
    }

    public long getConnectedSince() {
        return p.connectedSince;
    }

    public long getRttLastMicros() {
        return p.rttLastMicros;
    }

    public long getRttMinMicros() {
        return p.rttMinMicros;
    }

    public long getRttAvgMicros() {
        return p.rttAvgMicros;
    }

    public int getMissedPings() {
        return p.missedPings;
    }

    /** @return failures since the last stable connection (what the retry policy sees) */
    public int getConsecutiveFailures() {
        return p.consecutiveFailures;
    }

    public long getNextAttemptAt() {
        return p.nextAttemptAt;
    }

    public String getLastCloseReason() {
        return text(p.lastCloseReason);
    }

    public String getLastCloseDetail() {
        return text(p.lastCloseDetail);
    }

    public long getLastCloseAt() {
        return p.lastCloseAt;
    }

    /** @return how often the peer became CONNECTED since this bundle started */
    public long getConnects() {
        return counts.connects();
    }

    /** @return closes and failed attempts since this bundle started */
    public long getCloses() {
        return counts.closes();
    }

    /** @return the closes among {@link #getCloses()} that count as a failure of the peer */
    public long getFailures() {
        return counts.failures();
    }
}
