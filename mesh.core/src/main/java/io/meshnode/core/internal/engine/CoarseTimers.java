package io.meshnode.core.internal.engine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The links' heartbeat checks, grouped: a check due at least {@link #COARSE_FROM} from now runs at the next multiple
 * of {@link #GRAIN} of the mesh clock (never earlier, at most one grain later), and every check due in the same grain
 * is one task of the scheduler. A thousand links pinged every second then wake the mesh thread, and the transport's
 * event loops after it, about a hundred times a second instead of a thousand, and the scheduler's queue holds one entry
 * per grain instead of one per link. Shorter delays (a timeout of tens of milliseconds) are scheduled exactly, as
 * before.
 * <p>
 * Multiples of the grain stay multiples: a ping sent on the grid with an interval that is a whole number of grains
 * (100 ms, 1 s, 30 s) has its next ping and its timeout check on the grid again, so the lateness is paid once per
 * link, not once per interval, unless the mesh thread itself runs late. Confined to the mesh thread.
 */
final class CoarseTimers {
    /** The width of one group, in milliseconds of the mesh clock. */
    static final long GRAIN = 10;
    /** Delays shorter than this are scheduled exactly: one grain of lateness is at most 5 % of them. */
    static final long COARSE_FROM = 20 * GRAIN;

    private final Scheduler clock;
    /** The pending groups by their due time. */
    private final Map<Long, Group> groups = new HashMap<>();

    CoarseTimers(Scheduler clock) {
        this.clock = clock;
    }

    /** Runs {@code task} on the mesh thread {@code delayMillis} from now, or up to one grain later if that is far. */
    Scheduler.Task schedule(Runnable task, long delayMillis) {
        if (delayMillis < COARSE_FROM) {
            return clock.schedule(task, delayMillis);
        }
        long at = Math.floorDiv(clock.now() + delayMillis + GRAIN - 1, GRAIN) * GRAIN;
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
