package io.meshnode.core.internal.topology;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

import org.osgi.service.component.annotations.Component;

import io.meshnode.api.topology.NodeRef;
import io.meshnode.api.topology.Topology;

/**
 * Every node links to every peer it knows. The designated dialer of a pair is decided from the two ids
 * when both are known: each side's SHA-256 of (min id, max id, own id), the lower hash dials, which
 * spreads dialing evenly (unlike "lower id dials", which makes one node dial everyone). Before the
 * first contact it is decided from the two listen endpoints compared as numbers: address bytes (IPv4
 * as IPv4-mapped IPv6, so both families order totally), then port — never as text.
 */
@Component(name = "meshnode.topology.full", property = "service.ranking:Integer=0")
public class FullMeshTopology implements Topology {

    @Override
    public boolean links(NodeRef self, NodeRef peer) {
        if (self.id() != null && self.id().equals(peer.id())) {
            return false;
        }
        return !self.endpoint().equals(peer.endpoint());
    }

    @Override
    public boolean dials(NodeRef self, NodeRef peer) {
        if (self.id() != null && peer.id() != null && !self.id().equals(peer.id())) {
            return keepsOutbound(self.id(), peer.id());
        }
        return compareEndpoints(self.endpoint(), peer.endpoint()) < 0;
    }

    @Override
    public boolean keepsOutbound(String selfId, String peerId) {
        String min = selfId.compareTo(peerId) <= 0 ? selfId : peerId;
        String max = min == selfId ? peerId : selfId;
        int c = Arrays.compareUnsigned(hash(min, max, selfId), hash(min, max, peerId));
        return c != 0 ? c < 0 : selfId.compareTo(peerId) < 0;
    }

    public static int compareEndpoints(InetSocketAddress a, InetSocketAddress b) {
        int c = Arrays.compareUnsigned(bytes16(a.getAddress()), bytes16(b.getAddress()));
        return c != 0 ? c : Integer.compare(a.getPort(), b.getPort());
    }

    private static byte[] bytes16(InetAddress address) {
        byte[] raw = address.getAddress();
        if (raw.length == 16) {
            return raw;
        }
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xFF;
        mapped[11] = (byte) 0xFF;
        System.arraycopy(raw, 0, mapped, 12, 4);
        return mapped;
    }

    private static byte[] hash(String min, String max, String own) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(min.getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
            md.update(max.getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
            md.update(own.getBytes(StandardCharsets.UTF_8));
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
