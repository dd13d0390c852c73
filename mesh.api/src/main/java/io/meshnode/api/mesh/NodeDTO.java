package io.meshnode.api.mesh;

import java.util.List;

import org.osgi.dto.DTO;

/** A snapshot of this node. */
public class NodeDTO extends DTO {
    /** This node's id, derived from its public key. */
    public String id;
    /** {@code masternode} or {@code fullnode}. */
    public String role;
    /** The configured listen endpoint as {@code host:port}. */
    public String listen;
    /** {@code true} while a transport is bound and accepting. */
    public boolean listening;
    /** Services the mesh is waiting for (for example {@code transport}); empty when all are bound. */
    public List<String> missing;
    /** Number of known peers. */
    public int peers;
    /** Number of peers in state CONNECTED. */
    public int connected;
    /** The provider bound now for each swappable role, in the order transport, topology, health, retry; roles with none bound are absent (see {@link #missing}). */
    public List<ProviderDTO> providers;
}
