package io.meshnode.api.mesh;

/** Where a peer is in its connection life cycle. */
public enum PeerState {
    /** Known, no connection, and no attempt scheduled by this side (waiting for the peer to dial, or not started). */
    IDLE,
    /** A dial is in progress. */
    CONNECTING,
    /** TCP is up; the hello exchange is in progress. */
    HANDSHAKING,
    /** A live, handshaken connection exists. Never reported for a channel that is no longer open. */
    CONNECTED,
    /** The last attempt failed; the next one is scheduled. */
    BACKOFF,
    /** Fast retries were given up; the peer is re-probed slowly (masternodes) or waits to be revived. */
    PARKED
}
