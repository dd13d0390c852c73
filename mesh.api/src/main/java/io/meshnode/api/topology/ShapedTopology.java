package io.meshnode.api.topology;

import java.util.Collection;
import java.util.Set;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A topology that decides the shape of the whole mesh: given this node and the current membership, which members
 * this node wants links to. Register it as a {@link Topology} service (the mesh binds one topology, the
 * highest-ranked or the one {@code topology.target} selects) and the mesh plans with {@link #wanted}; a plain
 * {@link Topology} keeps its 1.0 meaning (see {@link Topologies#wanted}).
 *
 * <h2>What the mesh keeps</h2>
 * <ul>
 * <li><b>The union.</b> A pair {@code {a, b}} is linked when {@code b} is in {@code wanted(a, M)} or {@code a} is in
 * {@code wanted(b, M)}, for the membership {@code M}. {@code wanted} is a pure function, so each node evaluates it
 * for its peers as well as for itself, from its own view of {@code M} ({@link Topologies#wanting}); it does this only
 * for peers whose id it knows.</li>
 * <li><b>Who dials.</b> The side that wants the link dials. When both sides want it, {@link #dials} names the
 * designated dialer and the other side dials too after {@code dial.grace}, as for the full mesh. When only the peer
 * wants it, this node does not dial and accepts the peer's connection: {@link #links} must therefore be
 * {@code true} for every node that is not this node.</li>
 * <li><b>Pairwise answers.</b> {@link #links}, {@link #dials} and {@link #keepsOutbound} default to the full mesh's
 * rule ({@link FullMesh}): every pair keeps its designated dialer and surviving connection when an operator switches
 * between this shape and the full mesh, so the links both keep are not touched. Override them only with a reason;
 * {@link #links} must stay {@code true} for every other node.</li>
 * <li><b>Re-planning.</b> The mesh plans again when the membership changes and when another topology is bound
 * (an install, an update, a {@code topology.target} change). Links that both the old and the new plan keep are
 * untouched. A live link that neither side wants any more is closed with a goodbye by the side that dialed it, with
 * a reason that is not a failure (nothing is retried or counted); an unwanted inbound link is left to its dialer, so
 * that two nodes whose views of the membership differ for a moment do not close and redial each other's links.</li>
 * <li><b>A bad answer.</b> If {@code wanted} throws, returns {@code null}, returns this node, or returns a node
 * that is not one of {@code members}, the mesh logs a warning naming the topology's bundle (symbolic name and
 * version) and what was wrong, and plans as a full mesh ({@link FullMesh#wanted}) until the next change, when it
 * asks again. {@link Topologies#wanted} performs these checks.</li>
 * </ul>
 *
 * <h2>Rules for an implementation</h2>
 * <ul>
 * <li><b>Pure and deterministic.</b> The answer depends only on the arguments: not on the iteration order of
 * {@code members}, a clock, randomness, configuration that differs between nodes, or earlier calls. Two nodes that
 * see the same membership must compute the same shape.</li>
 * <li><b>Fast, never blocking.</b> It runs on the mesh thread, once per member when the mesh evaluates its peers'
 * wishes: no I/O, no locks, no waiting. A thousand members should take well under a millisecond per call.</li>
 * <li><b>Not this node.</b> {@code members} may contain this node (the mesh passes the same collection whichever
 * node it asks for): ignore every member that {@link FullMesh#isSelf} says is {@code self}, and never return
 * it.</li>
 * <li><b>Only members.</b> Return members of {@code members} (equal {@link NodeRef}s), never other nodes.</li>
 * <li><b>Unknown ids.</b> A member's {@link NodeRef#id()} is {@code null} until the mesh has learned it (a
 * configured {@code host:port} not yet reached). A shape that places nodes by id cannot place such a member; it
 * should want it, so that the member is dialed, its id learned and the shape planned again with it in place.
 * {@code self.id()} is never {@code null} when the mesh calls this method.</li>
 * <li><b>Roles</b> ({@link NodeRef#role()}) may be {@code null} before the first contact.</li>
 * </ul>
 *
 * @since 1.1
 */
@ConsumerType
public interface ShapedTopology extends Topology {

    /**
     * The members this node wants links to.
     *
     * @param self this node; its id is known
     * @param members the current membership, possibly including {@code self}; members whose id is not known yet have
     *            {@code null} ids; read-only
     * @return the wanted members: a subset of {@code members}, without {@code self}; never {@code null}
     */
    Set<NodeRef> wanted(NodeRef self, Collection<NodeRef> members);

    /**
     * The members that want a link to {@code self}: every member with a known id, other than {@code self}, whose
     * {@link #wanted} answer over {@code members} plus {@code self} contains {@code self}. The default computes exactly
     * that, with one {@link #wanted} call per member (a thousand members: a thousand calls); override it only to give
     * the same answer faster, as a shape that can name a node's predecessors directly can. The same rules apply as for
     * {@link #wanted}.
     *
     * @param self this node; its id is known
     * @param members the current membership, possibly including {@code self}; read-only
     * @return the members that want {@code self}: a subset of {@code members}, without {@code self}; never
     *         {@code null}
     */
    default Set<NodeRef> wanting(NodeRef self, Collection<NodeRef> members) {
        return Topologies.askEachMember(this, self, members);
    }

    /** The full mesh's {@link FullMesh#links}: every node but this one. */
    @Override
    default boolean links(NodeRef self, NodeRef peer) {
        return FullMesh.links(self, peer);
    }

    /** The full mesh's {@link FullMesh#dials}. */
    @Override
    default boolean dials(NodeRef self, NodeRef peer) {
        return FullMesh.dials(self, peer);
    }

    /** The full mesh's {@link FullMesh#keepsOutbound}. */
    @Override
    default boolean keepsOutbound(String selfId, String peerId) {
        return FullMesh.keepsOutbound(selfId, peerId);
    }
}
