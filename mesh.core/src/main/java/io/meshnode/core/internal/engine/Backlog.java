package io.meshnode.core.internal.engine;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * One connection's frames handed to the mesh thread and not yet handled: the connection's transport thread counts
 * them up, the mesh thread down. All of them decide when reads pause and resume; the data frames among them decide
 * whether a data frame arriving now may go to the handlers at once: only when no earlier data frame of the
 * connection still waits, so the handlers see a link's messages in order. A ping, a pong or a goodbye waiting for the
 * mesh thread holds no data up, and no data holds them up.
 */
final class Backlog {
    static final int PAUSE_READS_AT = 256;
    static final int RESUME_READS_AT = 64;

    private final AtomicInteger all = new AtomicInteger();
    private final AtomicInteger data = new AtomicInteger();

    /** Transport thread: may a data frame arriving now skip the mesh thread? */
    boolean dataMaySkip() {
        return data.get() == 0;
    }

    /**
     * Transport thread: a frame was handed to the mesh thread.
     *
     * @return {@code true} if reads should pause now ({@link #PAUSE_READS_AT} frames wait)
     */
    boolean queued(boolean isData) {
        if (isData) {
            data.incrementAndGet();
        }
        return all.incrementAndGet() == PAUSE_READS_AT;
    }

    /**
     * Mesh thread: a frame handed over was handled.
     *
     * @return {@code true} if reads should resume now (down to {@link #RESUME_READS_AT})
     */
    boolean handled(boolean isData) {
        if (isData) {
            data.decrementAndGet();
        }
        return all.decrementAndGet() == RESUME_READS_AT;
    }
}
