package io.meshnode.shell.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import io.meshnode.api.config.ConfigValues;
import io.meshnode.api.mesh.Mesh;
import io.meshnode.api.mesh.PeerDTO;
import io.meshnode.api.mesh.PeerState;

/** The {@code mesh:} console commands. They return values; {@link MeshConverter} formats them. */
// Immediate: Gogo ungets command services after each call, which would re-create a delayed component every time.
@Component(immediate = true, service = MeshCommands.class)
@GogoCommand(scope = "mesh", function = {"status", "peers", "peer", "reconnect", "connect", "disconnect", "ping"})
public class MeshCommands {
    static final String UNAVAILABLE = "the mesh service is not available (mesh.core is stopped or being updated)";
    private static final String REF = "peer: node id, unique id prefix (4+ characters) or host:port";
    private static final Pattern FULL_ID = Pattern.compile("[0-9a-fA-F]{40}");

    // Optional and dynamic: the commands stay registered while mesh.core is updated and say so when called.
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    private volatile Mesh mesh;

    public MeshCommands() {}

    MeshCommands(Mesh mesh) {
        this.mesh = mesh;
    }

    @Descriptor("show this node (id, listen address, role), peer counts by state, the provider bound for each "
        + "swappable role (transport, topology, health, retry), and the peer table")
    public NodeStatus status() {
        Mesh m = mesh();
        return new NodeStatus(m.node(), m.peers());
    }

    @Descriptor("list the peers, ordered by address")
    public PeerTable peers(
        @Descriptor("only peers in this state (any case): IDLE, CONNECTING, HANDSHAKING, CONNECTED, BACKOFF, PARKED")
        @Parameter(names = {"-s", "--state"}, absentValue = "") String state) {
        PeerState only = state.isEmpty() ? null : state(state);
        List<PeerDTO> peers = mesh().peers();
        return new PeerTable(only == null ? peers : peers.stream().filter(p -> p.state == only).collect(Collectors.toList()));
    }

    @Descriptor("show one peer in detail")
    public PeerDTO peer(@Descriptor(REF) String ref) {
        return mesh().peer(ref);
    }

    // One method, not an overload per form: Gogo would bind "--all" to a String parameter as a peer reference.
    @Descriptor("reconnect peers now: a live link is closed and redialed, a peer in backoff or parked is dialed "
        + "at once; the failure count is reset")
    public Reconnects reconnect(
        @Descriptor("every peer") @Parameter(names = "--all", presentValue = "true", absentValue = "false") boolean all,
        @Descriptor(REF) String... refs) {
        if (all == (refs.length > 0)) {
            throw new CommandError.BadInput("name the peers to reconnect (" + REF + "), or give --all (not both)");
        }
        Mesh m = mesh();
        List<PeerDTO> before = new ArrayList<>();
        List<PeerDTO> after = new ArrayList<>();
        if (!all) {
            for (String ref : refs) {
                before.add(m.peer(ref));
                after.add(m.reconnect(ref));
            }
            return new Reconnects(before, after);
        }
        for (PeerDTO p : m.peers()) {
            String ref = p.id != null ? p.id : p.address;
            try {
                after.add(m.reconnect(ref));
                before.add(p);
            } catch (IllegalArgumentException gone) {
                // removed by a configuration change since the list was read: nothing to reconnect
            }
        }
        return new Reconnects(before, after);
    }

    @Descriptor("add a peer at runtime and write it to etc/meshnode.mesh.cfg (it is dialed at once and kept after a "
        + "restart); nothing changes if it is configured already")
    public PeerChange connect(@Descriptor("the peer's listen address host:port, or id@host:port to pin its node id")
        String spec) {
        Mesh m = mesh();
        PeerDTO before = find(m, spec);
        PeerDTO after = m.connect(spec);
        if (before != null && before.configured && same(before, after)) {
            return new PeerChange("connect", after, false, part(after) + " is configured already: nothing changed");
        }
        String warning = !after.pinned && "peers".equals(m.node().admit)
            ? "; note: admit = peers refuses a peer whose id is not pinned: connect it as <id>@" + after.address
                + " (its id is in its ready line and in mesh:status there)"
            : "";
        return new PeerChange("connect", after, true, "added " + part(after) + " to etc/meshnode.mesh.cfg; "
            + (after.state == PeerState.CONNECTED ? "connected" : "now " + after.state) + warning);
    }

    @Descriptor("remove a peer at runtime: its link is closed and it is removed from etc/meshnode.mesh.cfg; a peer "
        + "that only dialed in has its link closed")
    public PeerChange disconnect(@Descriptor(REF) String ref) {
        Mesh m = mesh();
        String endpoint = endpoint(ref);
        if (endpoint != null && m.peers().stream().noneMatch(p -> endpoint.equals(p.address))) {
            // Idempotent: removing an endpoint that is not a peer (any more) changes nothing.
            return new PeerChange("disconnect", null, false, endpoint + " is not a peer: nothing changed");
        }
        if (FULL_ID.matcher(ref).matches() && m.peers().stream().noneMatch(p -> ref.equalsIgnoreCase(p.id))) {
            // The same for a whole node id; a prefix that matches nothing stays an error (most likely a typo).
            return new PeerChange("disconnect", null, false, "node " + ref + " is not a peer: nothing changed");
        }
        PeerDTO before = m.peer(ref);
        PeerDTO was = m.disconnect(ref);
        if (was.configured) {
            return new PeerChange("disconnect", was, true, "removed " + part(was) + " from etc/meshnode.mesh.cfg"
                + (was.state == PeerState.CONNECTED ? " and closed its link" : " (was " + was.state + ")"));
        }
        return new PeerChange("disconnect", was, before.state == PeerState.CONNECTED,
            before.state == PeerState.CONNECTED ? "closed the link of " + part(was) + " (not configured: it may dial in again)"
                : part(was) + " is not configured and not connected: nothing changed");
    }

    @Descriptor("send one heartbeat ping to a connected peer now and show the round-trip time")
    public PingResult ping(
        @Descriptor("seconds to wait for the pong") @Parameter(names = {"-t", "--timeout"}, absentValue = "5") int timeout,
        @Descriptor(REF) String ref) throws InterruptedException {
        Mesh m = mesh();
        PeerDTO peer = m.peer(ref);
        try {
            Duration rtt = m.ping(ref).toCompletableFuture().get(Math.max(1, timeout), TimeUnit.SECONDS);
            return new PingResult(m.peer(ref), rtt);
        } catch (TimeoutException e) {
            throw new CommandError.NotNow("no pong from " + part(peer) + " within " + timeout + "s");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw new CommandError.NotNow("ping " + part(peer) + ": " + (cause == null ? e : cause.getMessage()));
        }
    }

    /** @return {@code ref} as the mesh formats an endpoint, or {@code null} if it is not a {@code host:port} */
    private static String endpoint(String ref) {
        if (ref == null || ref.indexOf(':') < 0) {
            return null;
        }
        try {
            return ConfigValues.format(ConfigValues.parseEndpoint(ref.trim()));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static PeerDTO find(Mesh m, String spec) {
        String endpoint = spec == null ? "" : spec.substring(spec.indexOf('@') + 1).trim();
        try {
            return m.peer(endpoint);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static boolean same(PeerDTO a, PeerDTO b) {
        return a.pinned == b.pinned && java.util.Objects.equals(a.id, b.id) && a.address.equals(b.address);
    }

    private static String part(PeerDTO p) {
        return (p.id == null ? "" : MeshConverter.shortId(p.id) + "@") + p.address;
    }

    private Mesh mesh() {
        Mesh m = mesh;
        if (m == null) {
            throw new CommandError.NotNow(UNAVAILABLE);
        }
        return CommandError.operatorFacing(Mesh.class, m);
    }

    static PeerState state(String text) {
        try {
            return PeerState.valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new CommandError.BadInput("unknown peer state '" + text + "'; valid states: "
                + Arrays.stream(PeerState.values()).map(Enum::name).collect(Collectors.joining(", ")));
        }
    }
}
