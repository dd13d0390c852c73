package io.meshnode.core.internal.security;

import java.security.PublicKey;
import java.util.ArrayList;

import io.meshnode.api.mesh.NodeDTO;
import io.meshnode.api.transport.CloseReason;
import io.meshnode.api.transport.Connection;
import io.meshnode.api.transport.Transport;

/** Binds the key a transport authenticated to the node id a hello claims, and says so to operators. */
public final class Security {
    public static final String PLAIN_WARNING = "links are not authenticated: the bound transport proves no peer keys (plain"
        + " TCP: tls = off in etc/meshnode.transport.cfg, or a transport without TLS); ids are claimed, not verified";

    private Security() {}

    /**
     * @return how the claimed id was authenticated, or {@code null} if it must be refused: the proven key
     *         derives to another id, or the transport authenticates peers but proved no key for this one
     */
    public static String authenticate(Connection c, String claimedId, Transport transport) {
        PublicKey key = c.peerKey();
        if (key != null) {
            return Identity.idOf(key).equals(claimedId) ? "key proves the id" : null;
        }
        return transport != null && transport.authenticates() ? null : "id claimed, not verified";
    }

    /** @return the refusal reason for a connection {@link #authenticate} refused */
    public static String mismatch(Connection c, String claimedId) {
        PublicKey key = c.peerKey();
        if (key == null) {
            return "node " + claimedId + " did not prove a key (the transport authenticated none)";
        }
        return "node claims id " + claimedId + " but its TLS key derives to " + Identity.idOf(key);
    }

    /** Closes that the transport reports and that count against the source as misbehaviour. */
    public static boolean isOffence(CloseReason reason) {
        return reason == CloseReason.PROTOCOL_ERROR || reason == CloseReason.FRAME_TOO_LARGE
            || reason == CloseReason.HANDSHAKE_TIMEOUT;
    }

    public static void describe(NodeDTO n, PublicKey key, Transport transport, Admission.Mode admit) {
        n.keyFingerprint = Identity.fingerprint(key);
        n.tls = transport != null && transport.authenticates();
        n.admit = admit.label();
        n.warnings = new ArrayList<>();
        if (transport != null && !n.tls) {
            n.warnings.add(PLAIN_WARNING);
        }
    }
}
