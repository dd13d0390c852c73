package io.meshnode.core.internal.engine;

import java.util.PriorityQueue;

/** A scheduler in virtual time: nothing runs until the test advances the clock. Single-threaded. */
public final class VirtualScheduler implements Scheduler {
    private static final class Entry implements Comparable<Entry> {
        final long at;
        final long seq;
        final Runnable task;
        boolean cancelled;

        Entry(long at, long seq, Runnable task) {
            this.at = at;
            this.seq = seq;
            this.task = task;
        }

        @Override
        public int compareTo(Entry o) {
            return at != o.at ? Long.compare(at, o.at) : Long.compare(seq, o.seq);
        }
    }

    private final PriorityQueue<Entry> queue = new PriorityQueue<>();
    private long now = 1_000_000;
    private long seq;

    @Override
    public long now() {
        return now;
    }

    @Override
    public long wallClock() {
        return 1_700_000_000_000L + now;
    }

    @Override
    public long nanoTime() {
        return now * 1_000_000;
    }

    @Override
    public void execute(Runnable task) {
        queue.add(new Entry(now, seq++, task));
    }

    @Override
    public Task schedule(Runnable task, long delayMillis) {
        Entry e = new Entry(now + Math.max(0, delayMillis), seq++, task);
        queue.add(e);
        return () -> e.cancelled = true;
    }

    @Override
    public boolean inThread() {
        return true;
    }

    /** Runs everything due up to {@code now + millis}, moving the clock task by task. */
    public void advance(long millis) {
        long until = now + millis;
        while (!queue.isEmpty() && queue.peek().at <= until) {
            Entry e = queue.poll();
            now = Math.max(now, e.at);
            if (!e.cancelled) {
                e.task.run();
            }
        }
        now = until;
    }

    /** Jumps the clock without running anything, as if the process had been frozen. */
    void freeze(long millis) {
        now += millis;
    }
}
