package io.meshnode.core.internal.engine;

import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

import io.meshnode.api.config.ConfigValues;
import io.meshnode.api.topology.FullMesh;

/** The peers by endpoint, and how an operator's reference finds one. Confined to the mesh thread. */
final class PeerTable {
    private final Map<InetSocketAddress, Peer> peers = new LinkedHashMap<>();

    Peer get(InetSocketAddress endpoint) {
        return peers.get(endpoint);
    }

    /** @return {@code true} if {@code p} is in the table (a removed peer may still be referenced by its links) */
    boolean contains(Peer p) {
        return p != null && peers.get(p.endpoint) == p;
    }

    void add(Peer p) {
        peers.put(p.endpoint, p);
    }

    void remove(Peer p) {
        peers.remove(p.endpoint, p);
    }

    Collection<Peer> all() {
        return peers.values();
    }

    /** @return a copy, safe to iterate while peers are added or removed */
    List<Peer> snapshot() {
        return List.copyOf(peers.values());
    }

    List<Peer> sorted() {
        return peers.values().stream().sorted(Comparator.comparing((Peer p) -> p.endpoint, FullMesh::compareEndpoints))
            .toList();
    }

    int size() {
        return peers.size();
    }

    Peer byId(String id) {
        for (Peer p : peers.values()) {
            if (id.equals(p.id)) {
                return p;
            }
        }
        return null;
    }

    /**
     * @param ref a whole id, an id prefix of 4 or more characters in any case, or {@code host:port}
     * @throws IllegalArgumentException with a message an operator understands, naming the known peers
     */
    Peer resolve(String ref) {
        String r = ref == null ? "" : ref.trim();
        if (r.isEmpty()) {
            throw new IllegalArgumentException("name a peer by id, id prefix (4+ characters) or host:port");
        }
        if (r.indexOf(':') >= 0) {
            InetSocketAddress address;
            try {
                address = ConfigValues.parseEndpoint(r);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("'" + r + "' is not a peer: " + e.getMessage());
            }
            Peer p = peers.get(address);
            if (p == null) {
                throw new IllegalArgumentException("no peer at " + r + " (known: " + known() + ")");
            }
            return p;
        }
        String lower = r.toLowerCase(Locale.ROOT);
        if (lower.length() < 4) {
            throw new IllegalArgumentException("'" + r + "' is too short: give at least 4 characters of the id");
        }
        List<Peer> matches = peers.values().stream().filter(p -> p.id != null && p.id.startsWith(lower)).toList();
        if (matches.isEmpty()) {
            throw new IllegalArgumentException("no peer matches '" + r + "' (known: " + known() + ")");
        }
        if (matches.size() > 1) {
            throw new IllegalArgumentException("'" + r + "' is ambiguous: matches " + matches);
        }
        return matches.get(0);
    }

    private String known() {
        return peers.isEmpty() ? "none" : peers.values().stream().map(Peer::toString).collect(Collectors.joining(", "));
    }
}
