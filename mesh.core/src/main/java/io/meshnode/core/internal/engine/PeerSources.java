package io.meshnode.core.internal.engine;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.osgi.service.log.Logger;

import io.meshnode.api.config.ConfigValues;
import io.meshnode.api.mesh.PeerState;
import io.meshnode.api.topology.NodeRef;
import io.meshnode.api.transport.CloseReason;
import io.meshnode.core.internal.config.KnownPeers;
import io.meshnode.core.internal.config.MeshSettings.PeerSpec;
import io.meshnode.core.internal.security.Admission;

/**
 * Where the peers come from: the {@code peers} of etc/meshnode.mesh.cfg and, when an integrator provides one, a
 * {@code Membership} service (e.g. a chain's registered masternodes). A peer is kept while either names it; a member
 * the membership gives with its id is pinned to it, as {@code id@host:port} in {@code peers} would pin it. Peers that
 * only dialed in (admit = any) are the shape's and the link's business, not this room's.
 */
final class PeerSources {
    private final Logger log;
    private final NodeState node;
    private final PeerTable table;
    private final KnownPeers known;
    private final LinkIo io;
    private final DialPlanner planner;
    private final PeerReporter reporter;
    private final Shape shape;
    private List<PeerSpec> configured = List.of();
    private List<PeerSpec> members = List.of();

    PeerSources(Logger log, NodeState node, PeerTable table, KnownPeers known, LinkIo io, DialPlanner planner,
        PeerReporter reporter, Shape shape) {
        this.log = log;
        this.node = node;
        this.table = table;
        this.known = known;
        this.io = io;
        this.planner = planner;
        this.reporter = reporter;
        this.shape = shape;
    }

    /** The first peers, at start: added to the table, their first contact left to the caller. */
    List<Peer> start(List<PeerSpec> peers) {
        configured = List.copyOf(peers);
        return wanted().values().stream().map(this::add).toList();
    }

    /** The {@code peers} configuration changed. */
    void configured(List<PeerSpec> peers) {
        configured = List.copyOf(peers);
        apply("configuration changed", "removed from the configuration");
    }

    /** The membership service changed its members, or went ({@code null}). */
    void members(Collection<NodeRef> next) {
        List<PeerSpec> specs = new ArrayList<>();
        if (next != null) {
            for (NodeRef m : next) {
                if (m != null && m.endpoint() != null && !m.endpoint().equals(node.advertised())
                    && (m.id() == null || !m.id().equals(node.identity.id()))) {
                    specs.add(new PeerSpec(m.id(), m.endpoint()));
                }
            }
        }
        log.info("membership: {} members{}", specs.size(), next == null ? " (no membership service: the peers of the configuration only)" : "");
        members = specs;
        apply("membership changed", "no longer a member");
    }

    /** @return configured peers and members by endpoint; an id given by either pins it, the configuration's first */
    private Map<InetSocketAddress, PeerSpec> wanted() {
        Map<InetSocketAddress, PeerSpec> wanted = new LinkedHashMap<>();
        configured.forEach(s -> wanted.put(s.endpoint(), s));
        for (PeerSpec m : members) {
            PeerSpec c = wanted.get(m.endpoint());
            if (c == null || c.id() == null) {
                wanted.put(m.endpoint(), m);
            } else if (m.id() != null && !m.id().equals(c.id())) {
                log.warn("the membership names {} as {}, the configuration pins {}: the configuration wins",
                    ConfigValues.format(m.endpoint()), m.id(), c.id());
            }
        }
        return wanted;
    }

    private void apply(String revived, String removed) {
        Map<InetSocketAddress, PeerSpec> wanted = wanted();
        for (Peer p : table.snapshot()) {
            PeerSpec spec = wanted.remove(p.endpoint);
            if (spec == null && p.configured) {
                remove(p, removed);
            } else if (spec != null) {
                boolean wasConfigured = p.configured;
                p.configured = true;
                if (spec.id() != null) {
                    // Pinning the id already learned from the peer pins it too: from now on no other key may take
                    // this endpoint over.
                    p.id = spec.id();
                    p.pinned = true;
                    Link l = p.live();
                    if (l != null && !spec.id().equals(l.hello.id())) {
                        io.goodbye(l, CloseReason.ADMIN, "pinned id changed in the configuration");
                    }
                } else {
                    p.pinned = false;
                }
                if (!wasConfigured || p.phase.shown() == PeerState.PARKED) {
                    planner.revive(p, revived);
                }
            }
        }
        List<Peer> added = wanted.values().stream().map(this::add).toList();
        shape.reshape();
        added.forEach(p -> planner.plan(p, false));
    }

    /**
     * Closes the live links of peers that the current admission no longer lets in (after {@code admit} went from
     * {@code any} to {@code peers}, or a peer was unpinned under {@code peers}): admission is checked at every hello,
     * and a configuration change must not leave a link open that its hello would not get now.
     */
    void enforceAdmission() {
        if (node.admission.admit() == Admission.Mode.ANY) {
            return;
        }
        for (Peer p : table.snapshot()) {
            if (p.live() != null && !p.pinned) {
                log.warn("closing the link to {}: no longer admitted (admit = peers and its id is not pinned)", p);
                io.goodbye(p.live(), CloseReason.ADMIN, "no longer admitted");
            }
        }
    }

    /** Adds a configured peer to the table; the caller plans its first contact once the shape is known. */
    private Peer add(PeerSpec spec) {
        Peer p = new Peer(spec.endpoint());
        p.configured = true;
        p.pinned = spec.id() != null;
        p.id = p.pinned ? spec.id() : known.id(ConfigValues.format(spec.endpoint()));
        table.add(p);
        reporter.changed(p, null);
        return p;
    }

    /** Takes {@code p} out of the table; its live link and any dial of ours under way are closed or abandoned. */
    private void remove(Peer p, String why) {
        PeerState before = p.phase.shown();
        p.cancelTimer();
        Link live = p.live();
        Dial dial = p.dial();
        table.remove(p);
        p.phase = new Phase.Idle(PeerState.IDLE);
        if (live != null) {
            io.goodbye(live, CloseReason.ADMIN, why);
            io.republish(table.all());
        }
        if (dial != null && dial.link != null) {
            io.goodbye(dial.link, CloseReason.ADMIN, why);
        }
        log.info("peer {} {}", p, why);
        p.cause = why;
        reporter.changed(p, before);
        shape.reshape();
    }
}
