package io.meshnode.shell.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import io.meshnode.api.mesh.Mesh;
import io.meshnode.api.mesh.PeerDTO;
import io.meshnode.api.mesh.PeerState;

/** The {@code mesh:} console commands. They return values; {@link MeshConverter} formats them. */
// Immediate: Gogo ungets command services after each call, which would re-create a delayed component every time.
@Component(immediate = true, service = MeshCommands.class)
@GogoCommand(scope = "mesh", function = {"status", "peers", "peer", "reconnect"})
public class MeshCommands {
    static final String UNAVAILABLE = "the mesh service is not available (mesh.core is stopped or being updated)";
    private static final String REF = "peer: node id, unique id prefix (4+ characters) or host:port";

    // Optional and dynamic: the commands stay registered while mesh.core is updated and say so when called.
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    private volatile Mesh mesh;

    public MeshCommands() {}

    MeshCommands(Mesh mesh) {
        this.mesh = mesh;
    }

    @Descriptor("show this node, how many peers are in each state, and the peer table")
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
            throw new IllegalArgumentException("name the peers to reconnect (" + REF + "), or give --all (not both)");
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

    private Mesh mesh() {
        Mesh m = mesh;
        if (m == null) {
            throw new IllegalStateException(UNAVAILABLE);
        }
        return m;
    }

    static PeerState state(String text) {
        try {
            return PeerState.valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown peer state '" + text + "'; valid states: "
                + Arrays.stream(PeerState.values()).map(Enum::name).collect(Collectors.joining(", ")));
        }
    }
}
