package io.meshnode.core.internal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The grouped heartbeat checks, in virtual time. */
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
    void theGrainIsAtMostATwentiethOfTheDelay() {
        assertEquals(0, CoarseTimers.grain(0));
        assertEquals(0, CoarseTimers.grain(499), "the tests' sub-second timings (200 ms, 100 ms, 50 ms) stay exact");
        assertEquals(20, CoarseTimers.grain(500));
        assertEquals(50, CoarseTimers.grain(1_000), "a 1 s heartbeat");
        assertEquals(200, CoarseTimers.grain(HealthDriver.RECHECK_MILLIS));
        assertEquals(500, CoarseTimers.grain(10_000), "the default timeout");
        assertEquals(1_000, CoarseTimers.grain(30_000), "the default interval");
        assertEquals(1_000, CoarseTimers.grain(3_600_000), "at most a second");
    }

    @Test
    void farChecksDueInOneGrainRunTogetherAtItsEndNeverEarly() {
        clock.advance(1_000_000 - clock.now() % 1_000_000 + 3); // 3 ms past a multiple of every grain
        long start = clock.now();
        timers.schedule(task("a"), 1_000); // due start + 1000, its 50 ms grain ends at start + 1047
        clock.advance(40);
        timers.schedule(task("b"), 1_000); // due start + 1040: the same grain
        timers.schedule(task("c"), 1_045); // due start + 1085: the next one
        assertEquals(2, timers.pendingGroups());
        clock.advance(999);
        assertEquals(List.of(), ran, "nothing before its time");
        clock.advance(8);
        assertEquals(List.of("a", "b"), ran, "one task for both, in the order scheduled");
        assertEquals(List.of(start + 1_047, start + 1_047), at);
        clock.advance(50);
        assertEquals(List.of("a", "b", "c"), ran);
        assertEquals(start + 1_097, at.get(2));
        assertEquals(0, timers.pendingGroups());
    }

    @Test
    void aCheckIsNeverMoreThanFivePercentLate() {
        for (long delay : new long[] {500, 777, 1_000, 4_999, 10_000, 30_000, 120_000}) {
            ran.clear();
            at.clear();
            clock.advance(7); // off the grid
            long due = clock.now() + delay;
            timers.schedule(task("x"), delay);
            clock.advance(delay + delay / CoarseTimers.LATENESS_DIVISOR);
            assertEquals(List.of("x"), ran, "delay " + delay);
            assertTrue(at.get(0) >= due && at.get(0) - due <= delay / CoarseTimers.LATENESS_DIVISOR,
                "delay " + delay + ": due " + due + ", ran " + at.get(0));
        }
    }

    @Test
    void theChecksOfAGroupAreJudgedAtTheTimeItBeganAndStayTogether() {
        clock.advance(1_000_000 - clock.now() % 1_000_000); // on the grid
        List<Long> judged = new ArrayList<>();
        Runnable[] check = new Runnable[3];
        for (int i = 0; i < check.length; i++) {
            int k = i;
            check[k] = () -> {
                judged.add(timers.now());
                clock.freeze(3); // each check takes 3 ms: the later ones of the group run past the grain's start
                timers.schedule(check[k], 1_000);
            };
            timers.schedule(check[k], 1_000);
        }
        clock.advance(3_050);
        assertEquals(9, judged.size(), judged.toString());
        for (int i = 0; i < judged.size(); i++) {
            assertEquals(judged.get(i / 3 * 3), judged.get(i), "one time for a group: " + judged);
        }
        assertEquals(1_000, judged.get(3) - judged.get(0), "rescheduled from the group's time, not 3-9 ms later");
        assertEquals(1_000, judged.get(6) - judged.get(3));
        assertEquals(clock.now(), timers.now(), "outside a group: the clock");
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
            assertEquals(0, at.get(i) % CoarseTimers.grain(1_000));
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
