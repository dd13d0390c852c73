package io.meshnode.core.internal.engine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The links' heartbeat checks, grouped: a check is run at the next multiple of a <em>grain</em> of the mesh clock at
 * or after its due time (never earlier), and every check due on the same multiple is one task of the scheduler. The
 * grain is the largest of {@link #GRAINS} that is at most a twentieth of the delay, so a check is at most 5 % late;
 * delays under {@link #COARSE_FROM} (half a second: the sub-second timings of the fault and integration tests) are
 * scheduled exactly.
 * <p>
 * Why: a thousand links pinged every second, each on its own timer, wake the mesh thread and then a transport event
 * loop for every ping, and each wake-up of a sleeping thread costs more than the ping itself (BENCHMARKS.md,
 * "Heartbeat cost": 7.1–7.3 % of a core for 1,000 links at 1 s with one timer per link, 3.8–4.5 % grouped). A
 * 1 s interval gets 50 ms grains (twenty wake-ups a second for any number of links), the default 30 s interval 1 s
 * grains, its 10 s timeout 500 ms grains.
 * <p>
 * Multiples of the grain stay multiples: a ping sent on the grid with an interval that is a whole number of grains
 * (1 s, 30 s) has its next ping and its timeout check on the grid again, so the lateness is paid once per link, not
 * once per interval. For that, every check of a group is judged at the time the group began ({@link #now()}), not a
 * little later for each check the group ran before it; a group that begins late (a loaded machine) moves on together.
 * Confined to the mesh thread.
 */
final class CoarseTimers {
    /** The grains, in milliseconds of the mesh clock; the mesh clock's multiples of one are multiples of the smaller. */
    static final long[] GRAINS = {10, 20, 50, 100, 200, 500, 1_000};
    /** A check is at most this fraction (1/20: 5 %) of its delay late. */
    static final long LATENESS_DIVISOR = 20;
    /**
     * Shorter delays are scheduled exactly: the sub-second heartbeats of the fault suite (200 ms / 100 ms, its detection
     * figures within a few percent of the bound) and of the tests keep their exact timing.
     */
    static final long COARSE_FROM = 500;

    private final Scheduler clock;
    /** The pending groups by their due time. */
    private final Map<Long, Group> groups = new HashMap<>();
    /** While a group runs: the mesh clock when it began; otherwise {@link Long#MIN_VALUE}. */
    private long groupBegan = Long.MIN_VALUE;

    CoarseTimers(Scheduler clock) {
        this.clock = clock;
    }

    /** @return the grain for a check {@code delayMillis} away; 0 for an exact timer */
    static long grain(long delayMillis) {
        if (delayMillis < COARSE_FROM) {
            return 0;
        }
        long grain = 0;
        for (long g : GRAINS) {
            if (g * LATENESS_DIVISOR <= delayMillis) {
                grain = g;
            }
        }
        return grain;
    }

    /** @return the time a check is judged at: while a group runs, the mesh clock when it began; else the mesh clock */
    long now() {
        return groupBegan != Long.MIN_VALUE ? groupBegan : clock.now();
    }

    /** Runs {@code task} on the mesh thread {@code delayMillis} from now, or up to 5 % of that later. */
    Scheduler.Task schedule(Runnable task, long delayMillis) {
        long grain = grain(delayMillis);
        if (grain == 0) {
            return clock.schedule(task, delayMillis);
        }
        long at = Math.floorDiv(now() + delayMillis + grain - 1, grain) * grain;
        Group g = groups.get(at);
        if (g == null) {
            g = new Group(at);
            groups.put(at, g);
            g.timer = clock.scheduleAt(g, at);
        }
        Entry e = new Entry(g, task);
        g.entries.add(e);
        g.live++;
        return e;
    }

    /** @return how many groups wait for their time (tests) */
    int pendingGroups() {
        return groups.size();
    }

    private final class Group implements Runnable {
        final long at;
        final List<Entry> entries = new ArrayList<>();
        int live;
        Scheduler.Task timer;

        Group(long at) {
            this.at = at;
        }

        @Override
        public void run() {
            groups.remove(at, this);
            groupBegan = clock.now();
            // A task may cancel entries after it (closing a link) or schedule new ones (always in a later group). One
            // that throws does not keep the others from running; the first failure is rethrown to the scheduler.
            RuntimeException failed = null;
            for (int i = 0; i < entries.size(); i++) {
                Entry e = entries.get(i);
                if (!e.done) {
                    e.done = true;
                    try {
                        e.task.run();
                    } catch (RuntimeException x) {
                        if (failed == null) {
                            failed = x;
                        } else {
                            failed.addSuppressed(x);
                        }
                    }
                }
            }
            groupBegan = Long.MIN_VALUE;
            if (failed != null) {
                throw failed;
            }
        }

        void cancelled() {
            if (--live == 0) {
                timer.cancel();
                groups.remove(at, this);
            }
        }
    }

    private static final class Entry implements Scheduler.Task {
        final Group group;
        final Runnable task;
        boolean done;

        Entry(Group group, Runnable task) {
            this.group = group;
            this.task = task;
        }

        @Override
        public void cancel() {
            if (!done) {
                done = true;
                group.cancelled();
            }
        }
    }
}
