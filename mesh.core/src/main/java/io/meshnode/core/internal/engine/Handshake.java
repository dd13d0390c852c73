package io.meshnode.core.internal.engine;

import io.meshnode.api.config.ConfigValues;
import io.meshnode.api.topology.NodeRef;
import io.meshnode.core.internal.security.Admission;
import io.meshnode.core.internal.security.Security;
import io.meshnode.core.internal.wire.Frame.Hello;

/**
 * A peer's hello → what to do with its connection. Decides only; the engine applies the decision. The
 * checks run in order: protocol version, the key the transport proved, the node itself, then the endpoint
 * and id the hello claims against the peer table, and admission.
 */
final class Handshake {

    sealed interface Decision {}

    /** Refuse the connection; {@code offence} is counted against an inbound source when not {@code null}. */
    record Refuse(String reason, String offence) implements Decision {}

    /** The hello came from this node itself; {@code parked} is the configured peer to park for it, if any. */
    record SelfLink(Peer parked) implements Decision {}

    /**
     * An admitted node claims an endpoint known as another node: refuse it, and dial {@code peer} (if parked)
     * to learn whether the node there has a new key.
     */
    record RefuseAndProbe(String reason, Peer peer) implements Decision {}

    /** Link with {@code peer}; {@code created} if the table did not know it (a node that dialed in). */
    record Accept(Peer peer, boolean created, String authentication) implements Decision {}

    private final NodeState node;
    private final PeerTable table;
    private final Plugins plugins;

    Handshake(NodeState node, PeerTable table, Plugins plugins) {
        this.node = node;
        this.table = table;
        this.plugins = plugins;
    }

    Decision decide(Link l, Hello h) {
        if (h.agreed(node.minVersion, node.maxVersion) < 0) {
            return new Refuse("protocol versions " + h.minVersion() + " to " + h.version()
                + " are not spoken here; this node speaks " + node.minVersion + " to " + node.maxVersion, null);
        }
        String authentication = Security.authenticate(l.conn, h.id(), node.transport);
        if (authentication == null) {
            String why = Security.mismatch(l.conn, h.id());
            return new Refuse(why, why);
        }
        if (h.id().equals(node.identity.id())) {
            return new SelfLink(l.peer != null && l.peer.configured ? l.peer : null);
        }
        Peer p = l.peer;
        if (p != null) { // our dial
            if (p.pinned && !p.id.equals(h.id())) {
                return new Refuse("expected node " + p.id + " at " + ConfigValues.format(p.endpoint) + " but reached node "
                    + h.id(), null);
            }
            return admitted(p, h) ? new Accept(p, false, authentication) : notAdmitted(h);
        }
        p = table.byId(h.id());
        if (p == null) {
            p = table.get(h.listen());
        }
        if (p != null && p.pinned && !p.id.equals(h.id())) {
            return new Refuse("the node listening on " + ConfigValues.format(h.listen()) + " is pinned to id " + p.id
                + ", not " + h.id(), "claimed a pinned endpoint with another id");
        }
        if (!admitted(p, h)) {
            return notAdmitted(h);
        }
        if (p != null && p.id != null && !p.id.equals(h.id())) {
            // Anyone can claim an address in its hello; only a dial to it shows who really listens there. So an
            // inbound node does not take over an endpoint known as another node: our next dial (at the latest
            // after dial.grace) learns whether the node there has a new key.
            return new RefuseAndProbe("the node listening on " + ConfigValues.format(h.listen()) + " is known as " + p.id
                + ", not " + h.id() + "; it is dialed to learn whether its key changed", p);
        }
        if (p == null) {
            if (!plugins.links(node.self(), new NodeRef(h.id(), h.listen(), h.role()))) {
                return new Refuse("this node does not link to " + h.id(), null);
            }
            Peer created = new Peer(h.listen());
            created.configured = false;
            return new Accept(created, true, authentication);
        }
        return new Accept(p, false, authentication);
    }

    /** {@code admit = peers}: only a pinned id; {@code any}: every node whose key matched its id (checked before). */
    private boolean admitted(Peer p, Hello h) {
        return node.admission.admit() == Admission.Mode.ANY || p != null && p.pinned && h.id().equals(p.id);
    }

    private static Refuse notAdmitted(Hello h) {
        return new Refuse("node " + h.id() + " is not admitted: admit = peers and its id is not pinned in peers (pin it as "
            + h.id() + "@" + ConfigValues.format(h.listen()) + ", or set admit = any)", "not admitted");
    }
}
