package io.meshnode.api.mesh;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The peer table of this node and the operator's handle on it.
 * <p>
 * Peers are named on the console and in this API by a <em>reference</em>: a node id, a unique prefix
 * of one (at least 4 characters), or a {@code host:port} endpoint.
 */
@ProviderType
public interface Mesh {

    /** @return a snapshot of this node */
    NodeDTO node();

    /** @return snapshots of all known peers, ordered by address */
    List<PeerDTO> peers();

    /**
     * @param ref a peer reference
     * @return a snapshot of that peer
     * @throws IllegalArgumentException if no peer or more than one matches, with a message that says so
     */
    PeerDTO peer(String ref);

    /**
     * Forces a reconnect: a connected peer's link is closed (reason {@code ADMIN}) and redialed at once; a
     * peer in backoff or parked is dialed at once and its failure count is reset. Idempotent.
     *
     * @param ref a peer reference
     * @return the peer after the request was applied
     * @throws IllegalArgumentException if the reference matches no peer or several
     */
    PeerDTO reconnect(String ref);

    /**
     * Adds a configured peer at runtime and writes it to the mesh configuration (for a node run from a node home,
     * {@code etc/meshnode.mesh.cfg}), so that it survives a restart. Idempotent: an endpoint that is already
     * configured is left as it is; a peer that had only dialed in becomes configured.
     *
     * @param spec {@code host:port}, or {@code id@host:port} to pin the peer's node id
     * @return the peer once the configuration has been applied
     * @throws IllegalArgumentException if {@code spec} is not a valid peer (for example this node's own address)
     * @throws IllegalStateException if the configuration cannot be written or is not applied in time
     * @since 1.1
     */
    PeerDTO connect(String spec);

    /**
     * Removes a configured peer at runtime: its link is closed (reason {@code ADMIN}) and it is removed from the
     * mesh configuration, so that it stays removed after a restart. A peer that is not configured (it only dialed
     * in) has its link closed.
     *
     * @param ref a peer reference
     * @return the peer as it was before it was removed
     * @throws IllegalArgumentException if the reference matches no peer or several
     * @throws IllegalStateException if the configuration cannot be written or is not applied in time
     * @since 1.1
     */
    PeerDTO disconnect(String ref);

    /**
     * Sends one heartbeat ping to a connected peer now, outside the health monitor's schedule.
     *
     * @param ref a peer reference
     * @return completes with the round-trip time when the pong arrives; fails if the peer is not connected,
     *         the link closes first, or no pong arrives within 10 seconds
     * @throws IllegalArgumentException if the reference matches no peer or several
     * @since 1.1
     */
    CompletionStage<Duration> ping(String ref);
}
