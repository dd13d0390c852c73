package io.meshnode.api.topology;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * What one node knows of another (or of itself) when deciding topology: its listen endpoint, and its
 * node id when known (pinned in configuration, learned at an earlier handshake, or its own).
 * <p>
 * Two refs are equal when id, endpoint and role are equal (since 1.1), so that a {@link ShapedTopology}'s answer can
 * be checked against the membership it was given.
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

    /**
     * @param o another object
     * @return {@code true} if {@code o} is a {@code NodeRef} with an equal id, endpoint and role
     * @since 1.1
     */
    @Override
    public boolean equals(Object o) {
        return o instanceof NodeRef && Objects.equals(id, ((NodeRef) o).id)
            && endpoint.equals(((NodeRef) o).endpoint) && role == ((NodeRef) o).role;
    }

    /**
     * @return a hash of id, endpoint and role
     * @since 1.1
     */
    @Override
    public int hashCode() {
        return Objects.hash(id, endpoint, role);
    }

    @Override
    public String toString() {
        return (id == null ? "?" : id) + "@" + endpoint;
    }
}
