package io.meshnode.api.health;

/**
 * What the mesh has observed of one live link, in milliseconds of the mesh's clock. Immutable.
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
        this.connectedAt = connectedAt;
        this.lastFrameAt = lastFrameAt;
        this.lastPingAt = lastPingAt;
        this.pingSentAt = pingSentAt;
        this.answered = answered;
        this.missed = missed;
    }

    /** @return when the handshake completed */
    public long connectedAt() {
        return connectedAt;
    }

    /** @return when the last frame of any kind arrived; any frame proves the peer alive */
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
}
