package io.meshnode.core.internal.engine;

import java.net.InetAddress;
import java.net.InetSocketAddress;

import io.meshnode.api.config.ConfigValues;
import io.meshnode.api.topology.NodeRef;
import io.meshnode.core.internal.security.Admission;
import io.meshnode.core.internal.security.BanList;
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
     * An admitted node claims a configured endpoint whose node is another one or not known yet: refuse it, and
     * dial {@code peer} to learn who listens there (anyone can claim an address in its hello; only a dial to it
     * shows who answers).
     */
    record RefuseAndProbe(String reason, Peer peer) implements Decision {}

    /**
     * The node claims a configured endpoint whose id is not known yet: hold its connection, unattached, until a
     * dial to {@code peer} learns who listens there; then link it if it is that node, else refuse it.
     */
    record Verify(Peer peer, String authentication) implements Decision {}

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
            String theirs = h.minVersion() == h.version() ? "protocol version " + h.version() + " is"
                : "protocol versions " + h.minVersion() + " to " + h.version() + " are";
            String ours = node.minVersion == node.maxVersion ? "version " + node.maxVersion
                : "versions " + node.minVersion + " to " + node.maxVersion;
            return new Refuse(theirs + " not supported; this node speaks " + ours, null);
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
            if (p.id != null && !p.id.equals(h.id()) && p.configured) {
                // Trust on first use: the endpoint stays bound to the key first met there until an operator
                // accepts another one.
                String at = ConfigValues.format(p.endpoint);
                return new Refuse("expected node " + p.id + " at " + at + " (the key first met there) but reached node "
                    + h.id() + "; if that node's key changed, accept it with mesh:connect " + h.id() + "@" + at, null);
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
            // inbound node does not take over an endpoint known as another node: a dial learns whether the node
            // there has a new key.
            return new RefuseAndProbe("the node listening on " + ConfigValues.format(h.listen()) + " is known as " + p.id
                + ", not " + h.id() + "; it is dialed to learn whether its key changed", p);
        }
        if (p != null && p.id == null) {
            // Nor does it take a configured endpoint whose node is not known yet: a dial learns the key there first.
            return new Verify(p, authentication);
        }
        if (p == null) {
            String full = overLimits(l);
            if (full != null) {
                return new Refuse(full, null);
            }
            if (!plugins.links(node.self(), new NodeRef(h.id(), h.listen(), h.role()))) {
                return new Refuse("this node does not link to " + h.id(), null);
            }
            Peer created = new Peer(h.listen());
            created.configured = false;
            return new Accept(created, true, authentication);
        }
        return new Accept(p, false, authentication);
    }

    /**
     * @return why a node that is not configured finds no room ({@code links.max}, {@code links.per.address}),
     *         or {@code null}
     */
    private String overLimits(Link l) {
        Admission.Limits limits = node.admission.links();
        InetAddress from = l.conn.remoteAddress() == null ? null : l.conn.remoteAddress().getAddress();
        InetAddress source = from == null ? null : BanList.source(from);
        int links = 0;
        int kept = 0;
        int fromSource = 0;
        for (Peer q : table.all()) {
            Link live = q.live();
            if (live != null) {
                links++;
                InetSocketAddress r = live.conn.remoteAddress();
                if (!q.configured && source != null && r != null && source.equals(BanList.source(r.getAddress()))) {
                    fromSource++;
                }
            } else if (q.configured) {
                kept++; // room kept for a configured peer without its link
            }
        }
        if (fromSource >= limits.perAddress()) {
            return "too many links from " + (from instanceof java.net.Inet6Address ? "the /64 of " : "") + from.getHostAddress()
                + ": " + fromSource + " reach links.per.address " + limits.perAddress();
        }
        if (links + kept >= limits.max()) {
            return "too many links: " + links + " links and " + kept + " configured peers without one reach links.max "
                + limits.max();
        }
        return null;
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
