package io.meshnode.api.mesh;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard listener: register as an OSGi service to be told about peer state changes. Called on the
 * mesh's own thread, in order; implementations must return quickly and must not call back into the
 * mesh synchronously in a way that waits for it.
 */
@ConsumerType
public interface MeshListener {

    /**
     * @param peer the peer's state after the change
     * @param previous its state before the change, {@code null} for a new peer
     */
    void peerChanged(PeerDTO peer, PeerState previous);

    /**
     * The mesh listens for peers: once it has bound its listen address at start, and again whenever it
     * binds anew (the {@code listen} configuration changed, a transport came back, mesh.core was updated).
     * The node runtime prints the node's ready line on the first call.
     *
     * @param nodeId this node's id
     * @param address the bound address as {@code host:port}
     * @since 1.3
     */
    default void listening(String nodeId, String address) {
        // most listeners only follow peers
    }
}
