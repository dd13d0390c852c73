package io.meshnode.core.internal.engine;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.PublicKey;
import java.time.Instant;

import org.osgi.service.log.Logger;

import io.meshnode.api.config.ConfigValues;
import io.meshnode.api.mesh.BanDTO;
import io.meshnode.api.transport.CloseReason;
import io.meshnode.core.internal.security.BanList;
import io.meshnode.core.internal.security.Identity;

/**
 * What counts against the source of a connection, and when a ban follows: once per inbound connection, with the id
 * its TLS key proved (or only claimed), never before its hello was judged when the address is a configured peer's.
 */
final class Offences {
    private final Logger log;
    private final NodeState node;
    private final PeerTable table;
    private final BanList bans;

    Offences(Logger log, NodeState node, PeerTable table, BanList bans) {
        this.log = log;
        this.node = node;
        this.table = table;
        this.bans = bans;
    }

    /**
     * Counts one offence against the source of an inbound connection, once per connection. Outbound links
     * are ours: a misbehaving peer we dial is handled by the retry policy, and bans only refuse accepts.
     */
    void offence(Link l, CloseReason reason, String detail) {
        if (l.offended || l.dial != null) {
            return;
        }
        l.offended = true;
        String id = l.hello != null ? l.hello.id() : l.claimedId;
        PublicKey key = l.conn.peerKey();
        boolean proven = false;
        if (key != null) {
            // What the TLS handshake proved is the key's own id, whatever the hello claimed.
            id = Identity.idOf(key);
            proven = true;
        }
        // The hello has been judged once it arrived (claimedId is set before the decision).
        offence(l.conn.remoteAddress(), id, proven, l.claimedId != null, reason, detail);
    }

    /**
     * Counts an offence of a source that did not complete TLS (from the transport): nothing proven or judged.
     */
    void offence(InetSocketAddress remote, String claimedId, CloseReason reason, String detail) {
        offence(remote, claimedId, false, false, reason, detail);
    }

    /**
     * @param judged whether the connection's hello was decided: until then an offence from the address of a
     *            configured or pinned peer is not counted, so that someone sharing that address (a NAT, a host)
     *            cannot get the peer banned with garbage or abandoned handshakes
     */
    private void offence(InetSocketAddress remote, String id, boolean proven, boolean judged, CloseReason reason,
        String detail) {
        if (remote == null || remote.getAddress() == null) {
            return;
        }
        if (!judged && isPeerAddress(remote.getAddress())) {
            log.debug("not counted against {}, the address of a configured peer, before its key was judged: {} {}",
                remote.getAddress().getHostAddress(), reason, detail);
            return;
        }
        BanDTO ban = bans.offence(remote.getAddress(), id, proven, reason + ": " + detail);
        if (ban != null) {
            log.warn("banning {} until {} after {} offences within {} (last: {}); mesh:unban {} lifts it", ban.address,
                Instant.ofEpochMilli(ban.until), ban.offences, ConfigValues.format(node.admission.bans().window()),
                ban.reason, ban.address);
        }
    }

    private boolean isPeerAddress(InetAddress address) {
        for (Peer p : table.all()) {
            if ((p.configured || p.pinned) && address.equals(p.endpoint.getAddress())) {
                return true;
            }
        }
        return false;
    }

}
