package io.meshnode.transport.netty.internal;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Caps the inbound connections that have not completed their handshake yet (TLS and hello), per source
 * address (an IPv6 /64) and overall, so that a flood of connections from one address or many cannot exhaust the node
 * before any of them has proven anything. Thread-safe; called on the I/O threads.
 */
final class Gate {
    private final ConcurrentHashMap<InetAddress, AtomicInteger> perAddress = new ConcurrentHashMap<>();
    private final AtomicInteger total = new AtomicInteger();

    /** The key the per-address cap counts under: the address for IPv4, its /64 for IPv6 (one host's usual share). */
    static InetAddress source(InetAddress address) {
        if (!(address instanceof java.net.Inet6Address) || address.isLoopbackAddress()) {
            return address;
        }
        byte[] prefix = java.util.Arrays.copyOf(address.getAddress(), 16);
        java.util.Arrays.fill(prefix, 8, 16, (byte) 0);
        try {
            return InetAddress.getByAddress(prefix);
        } catch (java.net.UnknownHostException e) {
            return address;
        }
    }

    /** @return {@code true} if the connection may proceed; it must then {@link #leave} exactly once */
    boolean enter(InetAddress remote, int maxTotal, int maxPerAddress) {
        InetAddress address = source(remote);
        if (total.incrementAndGet() > maxTotal) {
            total.decrementAndGet();
            return false;
        }
        boolean[] admitted = {false};
        perAddress.compute(address, (a, n) -> {
            AtomicInteger c = n == null ? new AtomicInteger() : n;
            if (c.get() < maxPerAddress) {
                c.incrementAndGet();
                admitted[0] = true;
            }
            return c.get() == 0 ? null : c;
        });
        if (!admitted[0]) {
            total.decrementAndGet();
        }
        return admitted[0];
    }

    void leave(InetAddress remote) {
        InetAddress address = source(remote);
        total.decrementAndGet();
        perAddress.computeIfPresent(address, (a, c) -> c.decrementAndGet() <= 0 ? null : c);
    }

    int total() {
        return total.get();
    }
}
