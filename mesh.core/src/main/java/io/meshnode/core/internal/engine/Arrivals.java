package io.meshnode.core.internal.engine;

/**
 * The recent intervals between heartbeat arrivals of one peer (a ring of the last {@link #CAPACITY}),
 * handed to the health monitor in every {@code LinkObservation}. Kept per peer, so the history outlives a
 * re-formed link (a transport update) and a swap of the monitor. Confined to the mesh thread.
 */
public final class Arrivals {
    public static final int CAPACITY = 100;

    private final long[] ring = new long[CAPACITY];
    private int size;
    private int next;

    public void addAll(long[] intervals) {
        for (long i : intervals) {
            add(i);
        }
    }

    public void add(long interval) {
        ring[next] = interval;
        next = (next + 1) % CAPACITY;
        size = Math.min(size + 1, CAPACITY);
    }

    /** @return the intervals, oldest first */
    public long[] toArray() {
        long[] out = new long[size];
        int start = size < CAPACITY ? 0 : next;
        for (int i = 0; i < size; i++) {
            out[i] = ring[(start + i) % CAPACITY];
        }
        return out;
    }
}
