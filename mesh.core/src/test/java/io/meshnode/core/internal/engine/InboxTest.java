package io.meshnode.core.internal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class InboxTest {
    /** Counts the tasks handed to the mesh thread. */
    private final class CountingScheduler implements Scheduler {
        final VirtualScheduler virtual = new VirtualScheduler();
        int tasks;

        @Override
        public long now() {
            return virtual.now();
        }

        @Override
        public long wallClock() {
            return virtual.wallClock();
        }

        @Override
        public long nanoTime() {
            return virtual.nanoTime();
        }

        @Override
        public void execute(Runnable task) {
            tasks++;
            virtual.execute(task);
        }

        @Override
        public Task schedule(Runnable task, long delayMillis) {
            return virtual.schedule(task, delayMillis);
        }

        @Override
        public boolean inThread() {
            return true;
        }
    }

    private final CountingScheduler clock = new CountingScheduler();
    private final Inbox inbox = new Inbox(clock);
    private final List<Integer> handled = new ArrayList<>();

    @Test
    void eventsPostedTogetherAreHandledInOrderByOneTaskPerBatch() {
        int count = 3 * Inbox.BATCH + 5;
        for (int i = 0; i < count; i++) {
            int n = i;
            inbox.post(() -> handled.add(n));
        }
        assertEquals(1, clock.tasks, "one task queued for all that wait");
        Runnable timer = () -> handled.add(-1);
        clock.schedule(timer, 0);
        clock.virtual.advance(0);
        assertEquals(count + 1, handled.size());
        assertEquals(4, clock.tasks, "a batch at a time");
        assertEquals(Inbox.BATCH, handled.indexOf(-1), "a timer due meanwhile ran after the first batch, not after all");
        handled.remove(Integer.valueOf(-1));
        for (int i = 0; i < count; i++) {
            assertEquals(i, handled.get(i));
        }
    }

    @Test
    void anEventPostedWhileABatchRunsIsHandledToo() {
        inbox.post(() -> {
            handled.add(1);
            inbox.post(() -> handled.add(2));
        });
        clock.virtual.advance(0);
        assertEquals(List.of(1, 2), handled);
        inbox.post(() -> handled.add(3));
        clock.virtual.advance(0);
        assertEquals(List.of(1, 2, 3), handled);
    }

    @Test
    void aFailingEventDoesNotHoldUpTheOthers() {
        RuntimeException boom = new IllegalStateException("boom");
        inbox.post(() -> handled.add(1));
        inbox.post(() -> {
            throw boom;
        });
        inbox.post(() -> handled.add(3));
        assertSame(boom, assertThrows(RuntimeException.class, () -> clock.virtual.advance(0)));
        assertEquals(List.of(1, 3), handled);
        inbox.post(() -> handled.add(4));
        clock.virtual.advance(0);
        assertEquals(List.of(1, 3, 4), handled);
    }
}
