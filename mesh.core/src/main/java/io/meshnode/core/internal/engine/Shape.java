package io.meshnode.core.internal.engine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.meshnode.api.mesh.PeerState;
import io.meshnode.api.topology.NodeRef;
import io.meshnode.api.transport.CloseReason;
import io.meshnode.api.transport.Direction;

/**
 * The shape of the mesh as this node sees it: for each peer, whether this node's topology wants the link, whether
 * the peer's does (as far as this node can tell: by the same topology over the same membership), or both. The
 * mesh keeps the union; the side that wants a link dials it. Members whose id is not known yet are linked as
 * before a topology decided anything (both sides want them) until their first handshake.
 */
final class Shape {

    /** Who wants the link of one pair. */
    enum Want {
        /** Both sides: the designated dialer dials, the other after {@code dial.grace}. */
        BOTH,
        /** Only this side: it dials. */
        OURS,
        /** Only the peer: it dials, this side accepts. */
        THEIRS,
        /** Neither: no link, by design. */
        NONE;

        boolean linked() {
            return this != NONE;
        }

        static Want of(boolean ours, boolean theirs) {
            return ours ? theirs ? BOTH : OURS : theirs ? THEIRS : NONE;
        }
    }

    private final NodeState node;
    private final PeerTable table;
    private final Plugins plugins;
    private final DialPlanner planner;
    private final LinkIo io;
    private final PeerReporter reporter;

    Shape(NodeState node, PeerTable table, Plugins plugins, DialPlanner planner, LinkIo io, PeerReporter reporter) {
        this.node = node;
        this.table = table;
        this.plugins = plugins;
        this.planner = planner;
        this.io = io;
        this.reporter = reporter;
    }

    /**
     * Re-plans the shape and applies it: links both shapes keep are not touched; an outbound link neither side
     * wants any more is closed by this side, its dialer, with a goodbye that is no failure (an unwanted inbound
     * link is left to its dialer, so two nodes with briefly different views do not close and redial each other);
     * a peer now wanted gets its first contact planned, one no longer wanted stops being dialed.
     */
    void reshape() {
        for (Peer p : replan()) {
            Link l = p.live();
            if (l != null) {
                if (!p.want.linked() && l.direction() == Direction.OUTBOUND) {
                    io.goodbye(l, CloseReason.ADMIN, "not linked by the topology (" + plugins.topologyName() + ")");
                }
                continue;
            }
            if (p.dial() != null) {
                continue; // its hello decides
            }
            PeerState shown = p.phase.shown();
            boolean dials = p.want == Want.BOTH || p.want == Want.OURS;
            if (!dials && shown != PeerState.IDLE || dials && shown == PeerState.IDLE) {
                p.cancelTimer();
                p.phase = new Phase.Idle(PeerState.IDLE);
                p.cause = p.want.linked() ? null : "not linked by the topology";
                planner.plan(p, false);
                reporter.changed(p, shown);
            }
        }
    }

    /** Asks the topology again over the current membership; @return the peers whose want changed */
    List<Peer> replan() {
        List<Peer> members = table.snapshot();
        Map<NodeRef, Peer> byRef = new HashMap<>();
        for (Peer p : members) {
            byRef.put(ref(p), p);
        }
        Plugins.Wishes w = plugins.wishes(node.self(), byRef.keySet());
        List<Peer> changed = new ArrayList<>();
        for (Map.Entry<NodeRef, Peer> e : byRef.entrySet()) {
            Peer p = e.getValue();
            Want next = p.id == null ? Want.BOTH : Want.of(w.wanted().contains(e.getKey()), w.wanting().contains(e.getKey()));
            if (next != p.want) {
                p.want = next;
                changed.add(p);
            }
        }
        return changed;
    }

    static NodeRef ref(Peer p) {
        return new NodeRef(p.id, p.endpoint, p.role);
    }
}
