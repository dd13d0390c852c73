package io.meshnode.core.internal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class CoarseTimersTest {
    private final VirtualScheduler clock = new VirtualScheduler();
    private final CoarseTimers timers = new CoarseTimers(clock);
    private final List<String> ran = new ArrayList<>();
    private final List<Long> at = new ArrayList<>();

    private Runnable task(String name) {
        return () -> {
            ran.add(name);
            at.add(clock.now());
        };
    }

    @Test
    void farChecksDueInOneGrainRunTogetherAtItsEndNeverEarly() {
        clock.advance(3); // off the grid
        long start = clock.now();
        timers.schedule(task("a"), 1_000); // due start + 1000, the grain ends at start + 1007
        clock.advance(4);
        timers.schedule(task("b"), 1_000); // due start + 1004: the same grain
        timers.schedule(task("c"), 1_005); // due start + 1009: the next one
        assertEquals(2, timers.pendingGroups());
        clock.advance(999);
        assertEquals(List.of(), ran, "nothing before its time");
        clock.advance(4);
        assertEquals(List.of("a", "b"), ran, "one task for both, in the order scheduled");
        assertEquals(List.of(start + 1_007, start + 1_007), at);
        clock.advance(10);
        assertEquals(List.of("a", "b", "c"), ran);
        assertEquals(start + 1_017, at.get(2));
        assertEquals(0, timers.pendingGroups());
    }

    @Test
    void shortDelaysAreExact() {
        clock.advance(3);
        long start = clock.now();
        timers.schedule(task("timeout"), CoarseTimers.COARSE_FROM - 1);
        timers.schedule(task("now"), 0);
        assertEquals(0, timers.pendingGroups());
        clock.advance(0);
        assertEquals(List.of("now"), ran);
        clock.advance(CoarseTimers.COARSE_FROM - 1);
        assertEquals(List.of("now", "timeout"), ran);
        assertEquals(start + CoarseTimers.COARSE_FROM - 1, at.get(1));
    }

    @Test
    void anIntervalOfWholeGrainsStaysOnTheGridWithoutDrift() {
        clock.advance(3);
        Runnable[] ping = new Runnable[1];
        ping[0] = () -> {
            at.add(clock.now());
            timers.schedule(ping[0], 1_000);
        };
        timers.schedule(ping[0], 1_000);
        clock.advance(10_000);
        assertTrue(at.size() >= 9, at.toString());
        for (int i = 1; i < at.size(); i++) {
            assertEquals(0, at.get(i) % CoarseTimers.GRAIN);
            assertEquals(1_000, at.get(i) - at.get(i - 1), "late once (onto the grid), then never again: " + at);
        }
    }

    @Test
    void aCancelledCheckDoesNotRunAndAnEmptyGroupGoesAway() {
        Scheduler.Task a = timers.schedule(task("a"), 500);
        Scheduler.Task b = timers.schedule(task("b"), 500);
        a.cancel();
        clock.advance(500);
        assertEquals(List.of("b"), ran);
        b.cancel(); // after it ran: nothing
        Scheduler.Task c = timers.schedule(task("c"), 500);
        c.cancel();
        c.cancel();
        assertEquals(0, timers.pendingGroups());
        clock.advance(1_000);
        assertEquals(List.of("b"), ran);
    }

    @Test
    void aTaskCancellingALaterOneOfItsGroupStopsIt() {
        Scheduler.Task[] later = new Scheduler.Task[1];
        timers.schedule(() -> later[0].cancel(), 500);
        later[0] = timers.schedule(task("later"), 500);
        clock.advance(600);
        assertEquals(List.of(), ran);
    }

    @Test
    void aFailingTaskDoesNotKeepTheOthersOfItsGroupFromRunning() {
        RuntimeException boom = new IllegalStateException("boom");
        timers.schedule(task("a"), 500);
        timers.schedule(() -> {
            throw boom;
        }, 500);
        timers.schedule(task("c"), 500);
        RuntimeException thrown = assertThrows(RuntimeException.class, () -> clock.advance(600));
        assertSame(boom, thrown);
        assertEquals(List.of("a", "c"), ran);
    }
}
