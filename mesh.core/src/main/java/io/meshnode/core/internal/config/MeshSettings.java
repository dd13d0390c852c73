package io.meshnode.core.internal.config;


import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import io.meshnode.api.config.ConfigValues;
import io.meshnode.api.topology.NodeRole;

/** The validated contents of {@code etc/meshnode.mesh.cfg}. */
public record MeshSettings(InetSocketAddress listen, NodeRole role, List<PeerSpec> peers, Duration dialGrace,
    InetSocketAddress advertise) {

    /** Settings that announce the listen address itself. */
    public MeshSettings(InetSocketAddress listen, NodeRole role, List<PeerSpec> peers, Duration dialGrace) {
        this(listen, role, peers, dialGrace, null);
    }

    /** One configured peer: its listen endpoint and, when pinned ({@code id@host:port}), its node id. */
    public record PeerSpec(String id, InetSocketAddress endpoint) {}

    private static final Pattern ID = Pattern.compile("[0-9a-f]{40}");

    public static MeshSettings parse(MeshConfig c, ConfigValues v) {
        InetSocketAddress listen = v.endpoint("listen", c.listen());
        InetSocketAddress advertise = c.advertise().isBlank() ? null : v.endpoint("advertise", c.advertise());
        if (advertise == null && listen.getAddress().isAnyLocalAddress()) {
            throw v.invalid("listen", c.listen(), "a wildcard address is no address to dial: set advertise = host:port,"
                + " the address peers reach this node at");
        }
        if (advertise != null && (advertise.getAddress().isAnyLocalAddress() || advertise.getPort() == 0)) {
            throw v.invalid("advertise", c.advertise(), "peers need a concrete address and port to dial");
        }
        NodeRole role;
        try {
            role = NodeRole.parse(c.role());
        } catch (IllegalArgumentException e) {
            throw v.invalid("role", c.role(), e.getMessage());
        }
        Map<InetSocketAddress, PeerSpec> peers = new LinkedHashMap<>();
        for (String entry : c.peers().split("[,\\s]+")) {
            if (entry.isBlank()) {
                continue;
            }
            PeerSpec spec;
            try {
                spec = peer(entry, listen);
            } catch (IllegalArgumentException e) {
                throw v.invalid("peers", entry, e.getMessage());
            }
            InetSocketAddress address = spec.endpoint();
            String id = spec.id();
            PeerSpec previous = peers.put(address, spec);
            if (previous != null && previous.id() != null && !previous.id().equals(id)) {
                throw v.invalid("peers", entry, "the same endpoint is listed with two different ids");
            }
        }
        return new MeshSettings(listen, role, List.copyOf(new ArrayList<>(peers.values())),
            v.duration("dial.grace", c.dial_grace()), advertise);
    }

    /**
     * Parses one {@code peers} entry.
     *
     * @throws IllegalArgumentException with what is wrong with it
     */
    public static PeerSpec peer(String entry, InetSocketAddress listen) {
        String id = null;
        String endpoint = entry.trim();
        int at = endpoint.indexOf('@');
        if (at >= 0) {
            id = endpoint.substring(0, at).toLowerCase(java.util.Locale.ROOT);
            endpoint = endpoint.substring(at + 1);
            if (!ID.matcher(id).matches()) {
                throw new IllegalArgumentException("a pinned id is the 40 hex digits a node prints in its ready line");
            }
        }
        InetSocketAddress address = ConfigValues.parseEndpoint(endpoint);
        if (address.getPort() == 0) {
            throw new IllegalArgumentException("a peer needs a port");
        }
        if (address.equals(listen)) {
            throw new IllegalArgumentException("this is the node's own listen address");
        }
        return new PeerSpec(id, address);
    }
}
