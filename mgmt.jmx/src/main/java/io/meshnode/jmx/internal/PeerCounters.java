package io.meshnode.jmx.internal;

import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import io.meshnode.api.mesh.PeerDTO;
import io.meshnode.api.mesh.PeerState;
import io.meshnode.api.transport.CloseReason;

/**
 * Counters the peer table does not keep, built from the mesh's change events: connects, and closes (of links
 * and of attempts) by reason. Written on the mesh thread only, read from any thread.
 */
final class PeerCounters {
    private static final Counts NONE = new Counts();

    /** Counters of one peer address. */
    static final class Counts {
        private final AtomicLong connects = new AtomicLong();
        private final AtomicLong closes = new AtomicLong();
        private final AtomicLong failures = new AtomicLong();
        // the lastCloseAt already counted, so that a re-reported close is not counted twice
        private volatile long countedCloseAt;

        long connects() {
            return connects.get();
        }

        long closes() {
            return closes.get();
        }

        long failures() {
            return failures.get();
        }
    }

    private final Map<String, Counts> byAddress = new ConcurrentHashMap<>();
    private final AtomicLongArray byReason = new AtomicLongArray(CloseReason.values().length);
    private final AtomicLong stateChanges = new AtomicLong();

    void peerChanged(PeerDTO peer, PeerState previous) {
        Counts c = byAddress.computeIfAbsent(peer.address, a -> new Counts());
        if (previous != null && previous != peer.state) {
            stateChanges.incrementAndGet();
        }
        if (peer.state == PeerState.CONNECTED && previous != PeerState.CONNECTED) {
            c.connects.incrementAndGet();
        }
        if (peer.lastCloseReason != null && peer.lastCloseAt > c.countedCloseAt) {
            c.countedCloseAt = peer.lastCloseAt;
            c.closes.incrementAndGet();
            if (peer.lastCloseReason.isFailure()) {
                c.failures.incrementAndGet();
            }
            byReason.incrementAndGet(peer.lastCloseReason.ordinal());
        }
    }

    Counts of(String address) {
        return byAddress.getOrDefault(address, NONE);
    }

    Map<String, Long> closesByReason() {
        Map<String, Long> out = new TreeMap<>();
        for (CloseReason r : CloseReason.values()) {
            out.put(r.name(), byReason.get(r.ordinal()));
        }
        return out;
    }

    long stateChanges() {
        return stateChanges.get();
    }

    static Map<String, Integer> stateCounts(Iterable<PeerDTO> peers) {
        Map<PeerState, Integer> counts = new EnumMap<>(PeerState.class);
        for (PeerState s : PeerState.values()) {
            counts.put(s, 0);
        }
        for (PeerDTO p : peers) {
            counts.merge(p.state, 1, Integer::sum);
        }
        Map<String, Integer> out = new TreeMap<>();
        counts.forEach((s, n) -> out.put(s.name(), n));
        return out;
    }
}
