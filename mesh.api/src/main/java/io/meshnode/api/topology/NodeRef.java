package io.meshnode.api.topology;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * What one node knows of another (or of itself) when deciding topology: its listen endpoint, and its
 * node id when known (pinned in configuration, learned at an earlier handshake, or its own).
 */
public final class NodeRef {
    private final String id;
    private final InetSocketAddress endpoint;
    private final NodeRole role;

    /**
     * @param id the node id, or {@code null} when not known yet
     * @param endpoint the node's listen endpoint, resolved
     * @param role the node's role, or {@code null} when not known yet
     */
    public NodeRef(String id, InetSocketAddress endpoint, NodeRole role) {
        this.id = id;
        this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
        this.role = role;
    }

    /** @return the node id, or {@code null} when not known */
    public String id() {
        return id;
    }

    /** @return the listen endpoint */
    public InetSocketAddress endpoint() {
        return endpoint;
    }

    /** @return the role, or {@code null} when not known */
    public NodeRole role() {
        return role;
    }

    @Override
    public String toString() {
        return (id == null ? "?" : id) + "@" + endpoint;
    }
}
