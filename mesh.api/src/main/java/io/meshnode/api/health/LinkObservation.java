package io.meshnode.api.health;

/**
 * What the mesh has observed of one live link, in milliseconds of the mesh's clock. Immutable.
 * <p>
 * When the bound monitor is replaced, every live link starts afresh under the new one, as after a
 * handshake: {@link #connectedAt()} is the moment it took over, {@link #lastFrameAt()} is no earlier, no
 * ping is outstanding or counted as missed, and it is assessed at once. Only the arrival history carries
 * over. A monitor therefore never judges silence that fell under its predecessor's schedule.
 */
public final class LinkObservation {
    /** Value of {@link #pingSentAt()} when no ping is outstanding. */
    public static final long NONE = -1;

    private final long connectedAt;
    private final long lastFrameAt;
    private final long lastPingAt;
    private final long pingSentAt;
    private final boolean answered;
    private final int missed;
    private final long[] arrivalIntervals;

    /**
     * @param connectedAt when the handshake completed
     * @param lastFrameAt when the last frame of any kind arrived from the peer
     * @param lastPingAt when the last ping was sent, {@link #NONE} if never
     * @param pingSentAt when the outstanding ping was sent, {@link #NONE} if none is outstanding
     * @param answered {@code true} if any frame arrived after the outstanding ping was sent (exact, unlike
     *            comparing millisecond times)
     * @param missed consecutive pings that went unanswered so far
     */
    public LinkObservation(long connectedAt, long lastFrameAt, long lastPingAt, long pingSentAt, boolean answered,
        int missed) {
        this(connectedAt, lastFrameAt, lastPingAt, pingSentAt, answered, missed, new long[0]);
    }

    /**
     * @param connectedAt when the handshake completed
     * @param lastFrameAt when the last frame of any kind arrived from the peer
     * @param lastPingAt when the last ping was sent, {@link #NONE} if never
     * @param pingSentAt when the outstanding ping was sent, {@link #NONE} if none is outstanding
     * @param answered {@code true} if any frame arrived after the outstanding ping was sent
     * @param missed consecutive pings that went unanswered so far
     * @param arrivalIntervals recent intervals between heartbeat arrivals, oldest first (copied)
     * @since 1.1
     */
    public LinkObservation(long connectedAt, long lastFrameAt, long lastPingAt, long pingSentAt, boolean answered,
        int missed, long[] arrivalIntervals) {
        this.connectedAt = connectedAt;
        this.lastFrameAt = lastFrameAt;
        this.lastPingAt = lastPingAt;
        this.pingSentAt = pingSentAt;
        this.answered = answered;
        this.missed = missed;
        this.arrivalIntervals = arrivalIntervals.clone();
    }

    /** @return when the handshake completed, or when this monitor took over the link if that was later */
    public long connectedAt() {
        return connectedAt;
    }

    /**
     * @return when the last frame of any kind arrived, never before {@link #connectedAt()}; any frame proves
     *         the peer alive
     */
    public long lastFrameAt() {
        return lastFrameAt;
    }

    /** @return when the last ping was sent, {@link #NONE} if never */
    public long lastPingAt() {
        return lastPingAt;
    }

    /** @return when the outstanding ping was sent, {@link #NONE} if none is outstanding */
    public long pingSentAt() {
        return pingSentAt;
    }

    /**
     * @return {@code true} if a frame of any kind arrived after the outstanding ping was sent: the peer is
     *         alive even if its pong is still queued behind data
     */
    public boolean answered() {
        return answered;
    }

    /** @return consecutive unanswered pings */
    public int missed() {
        return missed;
    }

    /**
     * The recent intervals, in milliseconds, between heartbeat arrivals from this peer, oldest first: a
     * heartbeat arrival is the first frame of any kind that arrives after a ping was sent. The mesh keeps
     * a bounded history per peer (at least the last 100 intervals; the gap across a reconnection is never
     * recorded), whichever monitor is bound, so an adaptive monitor such as a phi-accrual detector has
     * the history it needs as soon as it is swapped in.
     *
     * @return a copy of the intervals, empty when none has been observed yet (or the mesh predates 1.1)
     * @since 1.1
     */
    public long[] arrivalIntervals() {
        return arrivalIntervals.clone();
    }
}
