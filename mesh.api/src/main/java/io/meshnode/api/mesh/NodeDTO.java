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
    /** Fingerprint of this node's public key: {@code SHA256:} and the base64 of the SHA-256 of its X.509 encoding (the node id is the hex of its first 20 bytes). */
    public String keyFingerprint;
    /** {@code true} if the bound transport authenticates every peer (TLS); {@code false} for plain TCP ({@code tls = off}). */
    public boolean tls;
    /** Who may link: {@code peers} (only ids pinned in {@code peers}) or {@code any} (any node that proves its key). */
    public String admit;
    /** Security warnings for the operator, for example that links are plain TCP; empty when there are none. */
    public List<String> warnings;
    /**
     * The topology that shapes the mesh: the bound provider (component, bundle, version), or the built-in full mesh.
     *
     * @since 1.3
     */
    public String topology;
    /**
     * How many peers the topology links this node with (either side wants the link); {@link #connected} of them
     * are established when the mesh is whole.
     *
     * @since 1.3
     */
    public int wanted;
    /** Dials to peers started since the mesh started. @since 1.3 */
    public long dialAttempts;
    /**
     * Offences (failed or abandoned handshakes, protocol errors, oversized frames, refused identities) counted
     * against the sources of inbound connections since the mesh started, those from banned addresses included.
     *
     * @since 1.3
     */
    public long offences;
    /** Bans imposed since the mesh started (the bans in force now: {@link Bans#bans()}). @since 1.3 */
    public long bansImposed;
    /**
     * How late the mesh's own thread runs, in milliseconds: the worst lateness of its 100 ms tick over the last
     * ten seconds, or how long it has been stuck. Pings are answered from that thread, so a node whose mesh thread
     * is stuck stops looking alive to its peers.
     *
     * @since 1.3
     */
    public long lagMillis;
    /** Application sends refused at once because a link's outbound budget was full, since the mesh started. @since 1.3 */
    public long sendsRefused;
    /** Times a link's reads were paused because the mesh had too many of its frames not yet handled. @since 1.3 */
    public long readPauses;
    /**
     * Payloads dropped per topic because the handler of that topic was behind (its queue full), since the mesh
     * started; empty when none were.
     *
     * @since 1.3
     */
    public java.util.Map<String, Long> dropped;
}
