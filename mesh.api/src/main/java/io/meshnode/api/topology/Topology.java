package io.meshnode.api.topology;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Decides the shape of the mesh pair by pair. Every method is a pure function of its arguments: both nodes of a pair
 * compute it alike and get answers that agree, without talking to each other.
 * <p>
 * The mesh plans a plain {@code Topology}'s shape as every member that {@link #links} accepts
 * ({@link Topologies#wanted}). A {@link ShapedTopology} decides the whole shape from the membership instead, and
 * {@link FullMesh} holds the default rule for the pairwise methods as static functions.
 */
@ConsumerType
public interface Topology {

    /**
     * @param self this node
     * @param peer a configured or connecting peer
     * @return {@code true} if this node keeps a link to the peer
     */
    boolean links(NodeRef self, NodeRef peer);

    /**
     * Which side of a pair dials. Antisymmetric and total: for two distinct nodes, exactly one of
     * {@code dials(a, b)} and {@code dials(b, a)} is {@code true}, provided both sides pass the same
     * knowledge (both ids, or neither). Sides that know different things may disagree; the mesh
     * therefore lets the other side dial after a grace period, so no pair stays dead.
     *
     * @param self this node
     * @param peer the other node
     * @return {@code true} if this node is the designated dialer
     */
    boolean dials(NodeRef self, NodeRef peer);

    /**
     * When both sides dialed and two connections are up, which one survives. Decided from the two ids,
     * which both sides know after the handshake. Antisymmetric: {@code keepsOutbound(a, b) ==
     * !keepsOutbound(b, a)} for distinct ids.
     *
     * @param selfId this node's id
     * @param peerId the peer's id
     * @return {@code true} if the connection this node dialed survives, {@code false} if the one the
     *         peer dialed survives
     */
    boolean keepsOutbound(String selfId, String peerId);
}
