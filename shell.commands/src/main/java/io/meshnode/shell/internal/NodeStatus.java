package io.meshnode.shell.internal;

import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import io.meshnode.api.mesh.NodeDTO;
import io.meshnode.api.mesh.PeerDTO;
import io.meshnode.api.mesh.PeerState;

/** What {@code mesh:status} returns: this node, its peers, and how many peers are in each state. */
public final class NodeStatus {
    private final NodeDTO node;
    private final PeerTable peers;
    private final Map<PeerState, Integer> counts;

    NodeStatus(NodeDTO node, List<PeerDTO> peers) {
        this.node = node;
        this.peers = new PeerTable(peers);
        Map<PeerState, Integer> c = new EnumMap<>(PeerState.class);
        for (PeerState s : PeerState.values()) {
            c.put(s, 0);
        }
        for (PeerDTO p : peers) {
            if (p.state != null) {
                c.merge(p.state, 1, Integer::sum);
            }
        }
        this.counts = Collections.unmodifiableMap(c);
    }

    /** @return this node */
    public NodeDTO node() {
        return node;
    }

    /** @return all peers, ordered by address */
    public PeerTable peers() {
        return peers;
    }

    /** @return the number of peers in each state, every state present */
    public Map<PeerState, Integer> counts() {
        return counts;
    }

    /** The console view, for shells that do not use Gogo converters (Apache Karaf's prints results with toString). */
    @Override
    public String toString() {
        return new MeshConverter().format(this, org.apache.felix.service.command.Converter.INSPECT, null).toString();
    }
}
