package io.meshnode.core.internal.engine;

/**
 * The mesh's single thread and its clock. Every change to the peer table runs on this thread, so the
 * engine needs no locks; tests substitute a virtual implementation and drive time by hand.
 */
public interface Scheduler {

    /** A scheduled task that can be cancelled. */
    public interface Task {
        void cancel();
    }

    /** @return monotonic milliseconds; only differences are meaningful */
    long now();

    /** @return wall-clock milliseconds since the epoch, for display */
    long wallClock();

    /** @return monotonic nanoseconds, for round-trip times */
    long nanoTime();

    /** Runs a task on the mesh thread, after what is already queued. */
    void execute(Runnable task);

    /** Runs a task on the mesh thread after a delay. */
    Task schedule(Runnable task, long delayMillis);

    /**
     * Runs a task on the mesh thread once {@link #now()} has reached {@code atMillis}: unlike a delay counted from a
     * {@code now()} truncated to the millisecond, tasks given the same time run together.
     */
    default Task scheduleAt(Runnable task, long atMillis) {
        return schedule(task, atMillis - now());
    }

    /** @return {@code true} when called on the mesh thread */
    boolean inThread();
}
