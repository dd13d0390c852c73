package io.meshnode.api.mesh;

import java.util.List;

import org.osgi.dto.DTO;

import io.meshnode.api.transport.CloseReason;
import io.meshnode.api.transport.Direction;

/**
 * A snapshot of one peer. Times are milliseconds since the epoch, 0 when not applicable; round-trip
 * times are in microseconds, -1 when not measured yet.
 */
public class PeerDTO extends DTO {
    /** The peer's node id, {@code null} until known. */
    public String id;
    /** The peer's listen endpoint as {@code host:port}. */
    public String address;
    /** {@code masternode} or {@code fullnode}; the configured role until the peer announces its own. */
    public String role;
    /** {@code true} if the id was pinned in configuration. */
    public boolean pinned;
    /** {@code true} if the peer is in this node's configuration, {@code false} if it only dialed in. */
    public boolean configured;
    /** {@code true} if this node is the designated dialer of the pair. */
    public boolean dialer;
    /**
     * {@code true} if the topology links this node with this peer (either side wants the link); {@code false} for a
     * member that is not linked by design, which is neither down nor dialed.
     *
     * @since 1.3
     */
    public boolean linked = true;
    /** The life-cycle state. */
    public PeerState state;
    /** Direction of the live connection, {@code null} when not connected. */
    public Direction direction;
    /** When the live connection completed its handshake. */
    public long connectedSince;
    /** Last measured round-trip time. */
    public long rttLastMicros = -1;
    /** Smallest measured round-trip time of the live connection. */
    public long rttMinMicros = -1;
    /** Average round-trip time of the live connection. */
    public long rttAvgMicros = -1;
    /** Consecutive unanswered pings on the live connection. */
    public int missedPings;
    /** Failures since the last stable connection. */
    public int consecutiveFailures;
    /** When the next attempt (dial, probe or grace dial) is due, 0 if none is scheduled. */
    public long nextAttemptAt;
    /** Why the last connection closed or the last attempt failed, {@code null} if never. */
    public CloseReason lastCloseReason;
    /** Detail of the last close, may be empty. */
    public String lastCloseDetail;
    /** When the last close or failure happened. */
    public long lastCloseAt;
    /** The live connection's remote socket address as {@code host:port}, {@code null} when not connected. */
    public String remoteAddress;
    /** The live connection's local socket address as {@code host:port}, {@code null} when not connected. */
    public String localAddress;
    /** Bytes of frames received from this peer since this node started (all connections). */
    public long bytesIn;
    /** Bytes of frames sent to this peer since this node started (all connections). */
    public long bytesOut;
    /** Application messages ({@code Messaging}) received from this peer since this node started. */
    public long messagesIn;
    /** Application messages sent to this peer since this node started. */
    public long messagesOut;
    /** The last state transitions, oldest first (a bounded number, the newest kept). */
    public List<TransitionDTO> history;
    /**
     * How the live (or last) link authenticated the peer, for example {@code tls key, pinned id} or
     * {@code tls key, admit = any}; {@code none (plain TCP)} when the transport does not authenticate;
     * {@code null} before the first handshake.
     */
    public String authentication;
    /** Fingerprint ({@code SHA256:base64}) of the key the peer proved at its last handshake, {@code null} if none. */
    public String keyFingerprint;
    /**
     * Dials this node has started to this peer since it started (first dials, redials, probes of a parked peer,
     * grace dials), whether they succeeded or not.
     *
     * @since 1.3
     */
    public long dialAttempts;
    /**
     * How long the live connection took to complete its handshake, in microseconds; -1 when not connected. For an
     * outbound connection, from the start of the dial to the completed hello exchange (TCP connect, TLS, hello); for
     * an inbound one, from the transport handing the connection over (after TLS) to the completed hello exchange.
     *
     * @since 1.3
     */
    public long handshakeMicros = -1;
    /** Bytes accepted for this peer's live link and not written to its socket yet, 0 when not connected. @since 1.3 */
    public long queuedBytes;
    /** The topology the peer announced in its last hello (its component name), {@code null} before one. @since 1.3 */
    public String topology;
}
