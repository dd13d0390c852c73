package io.meshnode.api.transport;

/**
 * Why a connection closed, or why a dial did not produce one.
 */
public enum CloseReason {
    /** The heartbeat declared the link dead: too many consecutive pings went unanswered. */
    TIMEOUT(true),
    /** The peer closed the connection or the TCP stream ended. */
    REMOTE_CLOSED(true),
    /** Both sides dialed; this connection lost to the other one. Not a failure. */
    DUPLICATE(false),
    /** One side refused the handshake (self-connection, protocol mismatch, wrong pinned id, ...). */
    REFUSED(true),
    /** An operator closed it, or a configuration change removed the peer. Not a failure. */
    ADMIN(false),
    /** The peer sent a frame that does not follow the protocol. */
    PROTOCOL_ERROR(true),
    /** The peer sent a frame larger than the configured maximum. */
    FRAME_TOO_LARGE(true),
    /** The handshake did not complete within the handshake timeout. */
    HANDSHAKE_TIMEOUT(true),
    /** The dial failed: refused, unreachable or timed out. */
    CONNECT_FAILED(true),
    /** A socket error other than an orderly close. */
    IO_ERROR(true),
    /**
     * The peer did not take what was sent to it: the bytes of control frames waiting to be written to it
     * passed the transport's hard cap (see {@link Connection#sendControl(byte[])}). A failure of the peer.
     *
     * @since 1.2
     */
    OVERLOADED(true),
    /** The local transport or node is shutting down. Not a failure of the peer. */
    SHUTDOWN(false);

    private final boolean failure;

    CloseReason(boolean failure) {
        this.failure = failure;
    }

    /**
     * @return {@code true} if this close counts as a failure of the peer for the retry policy;
     *         {@code false} for closes the node chose for reasons unrelated to the peer's health
     */
    public boolean isFailure() {
        return failure;
    }
}
