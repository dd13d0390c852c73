package io.meshnode.core.internal.engine;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Work posted to the mesh thread from other threads, in the order it was posted, handled in batches: one task of the
 * scheduler runs everything that waits (up to {@link #BATCH}, so timers still get their turn between batches). A
 * thousand links' pongs arriving within a few milliseconds then cost the mesh thread a few wake-ups, not a thousand,
 * and the transport's threads a lock-free queue insertion each instead of a task in the scheduler's locked queue.
 */
final class Inbox {
    /** The most events one task handles before the mesh thread's other tasks get their turn. */
    static final int BATCH = 64;

    private final Scheduler clock;
    private final Queue<Runnable> waiting = new ConcurrentLinkedQueue<>();
    /** Whether a task to handle {@link #waiting} is queued on the mesh thread and has not started yet. */
    private final AtomicBoolean queued = new AtomicBoolean();

    Inbox(Scheduler clock) {
        this.clock = clock;
    }

    /** Any thread: runs {@code event} on the mesh thread after every event posted before it. */
    void post(Runnable event) {
        waiting.add(event);
        if (queued.compareAndSet(false, true)) {
            clock.execute(this::drain);
        }
    }

    /** Mesh thread: handles what waits, each event on its own (one that throws does not hold the others up). */
    private void drain() {
        queued.set(false); // from here on, an event posted is handled by this task or by one queued after it
        RuntimeException failed = null;
        try {
            Runnable event;
            for (int i = 0; i < BATCH && (event = waiting.poll()) != null; i++) {
                try {
                    event.run();
                } catch (RuntimeException e) {
                    if (failed == null) {
                        failed = e;
                    } else {
                        failed.addSuppressed(e);
                    }
                }
            }
        } finally {
            if (!waiting.isEmpty() && queued.compareAndSet(false, true)) {
                clock.execute(this::drain);
            }
        }
        if (failed != null) {
            throw failed; // to the scheduler, which reports it as it does any task's failure
        }
    }
}
