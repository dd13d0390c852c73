package io.meshnode.core.internal.engine;

/**
 * How late the mesh thread runs: a tick every {@link #TICK_MILLIS}, each measuring how far past its time it ran.
 * The worst lateness over the last {@link #WINDOW_TICKS} ticks is kept, and when the thread is stuck the time
 * since its last tick tells; both can be read from any thread (mesh:status, JMX, metrics). A wedged mesh thread
 * answers no ping either (pongs are sent from it), so its peers declare the node dead.
 */
final class LagProbe {
    static final long TICK_MILLIS = 100;
    static final int WINDOW_TICKS = 100;

    private final Scheduler clock;
    private final long[] late = new long[WINDOW_TICKS];
    private int next;
    private volatile long worst;
    private volatile long lastTickAt;
    private volatile boolean started;

    LagProbe(Scheduler clock) {
        this.clock = clock;
    }

    void start() {
        started = true;
        lastTickAt = clock.now();
        schedule(lastTickAt + TICK_MILLIS);
    }

    private void schedule(long due) {
        clock.schedule(() -> tick(due), Math.max(0, due - clock.now()));
    }

    private void tick(long due) {
        long now = clock.now();
        late[next] = Math.max(0, now - due);
        next = (next + 1) % WINDOW_TICKS;
        long w = 0;
        for (long x : late) {
            w = Math.max(w, x);
        }
        worst = w;
        lastTickAt = now;
        schedule(now + TICK_MILLIS);
    }

    /** @return the worst lateness over the window, or the time the thread is overdue now, whichever is larger */
    long lagMillis() {
        if (!started) {
            return 0;
        }
        return Math.max(worst, clock.now() - lastTickAt - TICK_MILLIS);
    }
}
