package io.meshnode.api.mesh;

import java.util.List;

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
}
