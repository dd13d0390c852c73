package io.meshnode.shell.internal;

import java.util.AbstractList;
import java.util.List;

import io.meshnode.api.mesh.PeerDTO;

/**
 * What {@code mesh:peers} returns: a read-only {@code List<PeerDTO>}, so scripts index, iterate and assign
 * it like any list. It is its own type only so that {@link MeshConverter} can render it whole, as a table
 * with a header and columns sized to its content (Gogo formats a plain list one row at a time).
 */
public final class PeerTable extends AbstractList<PeerDTO> {
    private final List<PeerDTO> peers;

    PeerTable(List<PeerDTO> peers) {
        this.peers = List.copyOf(peers);
    }

    @Override
    public PeerDTO get(int index) {
        return peers.get(index);
    }

    @Override
    public int size() {
        return peers.size();
    }
}
