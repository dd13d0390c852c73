package io.meshnode.api.topology;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * The full mesh's rules, as static functions, so that every topology can agree with the default one without
 * importing another implementation bundle (implementation bundles import only {@code mesh.api}). A topology whose
 * {@link Topology#dials} and {@link Topology#keepsOutbound} are these keeps the designated dialer of every pair
 * when an operator switches between it and the full mesh, so a swap redials nothing.
 * <ul>
 * <li><b>Who dials:</b> from the two ids when both are known: each side's SHA-256 of (min id, max id, own id), the
 * lower hash dials, which spreads dialing evenly (unlike "lower id dials", which makes one node dial everyone).
 * Before the first contact, from the two listen endpoints compared as numbers: address bytes (IPv4 as IPv4-mapped
 * IPv6, so both families order totally), then port, never as text.</li>
 * <li><b>Which connection survives</b> when both sides dialed: the designated dialer's, decided from the ids.</li>
 * <li><b>Which links</b>: every node that is not this node.</li>
 * </ul>
 *
 * @since 1.1
 */
public final class FullMesh {

    private FullMesh() {
    }

    /**
     * Whether {@code member} is this node: the same id when both ids are known, or the same listen endpoint.
     *
     * @param self this node
     * @param member a member or peer
     * @return {@code true} if it is this node
     */
    public static boolean isSelf(NodeRef self, NodeRef member) {
        if (self.id() != null && self.id().equals(member.id())) {
            return true;
        }
        return self.endpoint().equals(member.endpoint());
    }

    /**
     * The full mesh's {@link Topology#links}: every node but this one.
     *
     * @param self this node
     * @param peer a configured or connecting peer
     * @return {@code true} unless {@code peer} {@link #isSelf is this node}
     */
    public static boolean links(NodeRef self, NodeRef peer) {
        return !isSelf(self, peer);
    }

    /**
     * The full mesh's {@link Topology#dials}: antisymmetric and total for two distinct nodes when both sides pass the
     * same knowledge (both ids, or neither).
     *
     * @param self this node
     * @param peer the other node
     * @return {@code true} if this node is the designated dialer
     */
    public static boolean dials(NodeRef self, NodeRef peer) {
        if (self.id() != null && peer.id() != null && !self.id().equals(peer.id())) {
            return keepsOutbound(self.id(), peer.id());
        }
        return compareEndpoints(self.endpoint(), peer.endpoint()) < 0;
    }

    /**
     * The full mesh's {@link Topology#keepsOutbound}: {@code keepsOutbound(a, b) == !keepsOutbound(b, a)} for
     * distinct ids, and {@code true} exactly when this node is the designated dialer by ids.
     *
     * @param selfId this node's id
     * @param peerId the peer's id
     * @return {@code true} if the connection this node dialed survives
     */
    public static boolean keepsOutbound(String selfId, String peerId) {
        String min = selfId.compareTo(peerId) <= 0 ? selfId : peerId;
        String max = min == selfId ? peerId : selfId;
        int c = Arrays.compareUnsigned(hash(min, max, selfId), hash(min, max, peerId));
        return c != 0 ? c < 0 : selfId.compareTo(peerId) < 0;
    }

    /**
     * Orders listen endpoints as numbers: address bytes (IPv4 as IPv4-mapped IPv6), then port.
     *
     * @param a one endpoint, resolved
     * @param b another endpoint, resolved
     * @return negative, zero or positive as {@code a} orders before, with or after {@code b}
     */
    public static int compareEndpoints(InetSocketAddress a, InetSocketAddress b) {
        int c = Arrays.compareUnsigned(bytes16(a.getAddress()), bytes16(b.getAddress()));
        return c != 0 ? c : Integer.compare(a.getPort(), b.getPort());
    }

    /**
     * The full mesh's shape: every member that is not this node. The mesh plans with it when a topology's answer
     * breaks the {@link ShapedTopology} contract.
     *
     * @param self this node
     * @param members the membership, possibly including {@code self}
     * @return every member but {@code self}, in the order of {@code members}; unmodifiable
     */
    public static Set<NodeRef> wanted(NodeRef self, Collection<NodeRef> members) {
        Set<NodeRef> wanted = new LinkedHashSet<>();
        for (NodeRef m : members) {
            if (!isSelf(self, m)) {
                wanted.add(m);
            }
        }
        return Collections.unmodifiableSet(wanted);
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
