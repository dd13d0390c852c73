package io.meshnode.api.mesh;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Source addresses that this node refuses for a while because they kept misbehaving: failed or
 * abandoned handshakes, malformed or oversized frames, refused identities. A banned address's
 * connections are closed as soon as they are accepted, before any handshake. Bans expire by
 * themselves; an operator can list and lift them.
 */
@ProviderType
public interface Bans {

    /** @return the bans in force, soonest expiry first */
    List<BanDTO> bans();

    /**
     * Lifts the bans matching a reference and forgets the offences counted against those addresses.
     * Idempotent.
     *
     * @param ref a source address ({@code 10.0.0.5}, {@code ::1}, {@code host:port} — the port is
     *            ignored), a node id or a unique prefix of one (4+ characters), or {@code all}
     * @return the bans lifted; empty if none matched
     * @throws IllegalArgumentException if the reference is neither an address nor an id (prefix)
     */
    List<BanDTO> unban(String ref);
}
