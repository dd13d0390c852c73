package io.meshnode.itest;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * The one way the tests wait: for a condition, with a deadline, re-checking every 20 ms (or as often as asked);
 * fails with a description of the last state. The in-framework tests and the multi-process suites (through
 * {@code mesh.Waits} and {@code fault.Poll}, which only choose an interval) all wait here; none sleeps and hopes.
 */
public final class Await {
    private Await() {}

    /** Polls {@code condition} until it holds; fails with {@code state} after {@code timeout}. */
    public static void until(Duration timeout, java.util.function.BooleanSupplier condition, Supplier<String> state) {
        until(timeout, POLL, condition, state);
    }

    /**
     * Polls {@code condition} every {@code every} until it holds.
     *
     * @return how long it took
     */
    public static Duration until(Duration timeout, Duration every, java.util.function.BooleanSupplier condition,
        Supplier<?> describe) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("not within " + timeout + ": " + describe.get());
            }
            LockSupport.parkNanos(every.toNanos());
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /** Checks that {@code condition} holds, every {@code every}, for the whole of {@code period}. */
    public static void during(Duration period, Duration every, java.util.function.BooleanSupplier condition,
        Supplier<?> describe) {
        long deadline = System.nanoTime() + period.toNanos();
        do {
            if (!condition.getAsBoolean()) {
                fail(String.valueOf(describe.get()));
            }
            LockSupport.parkNanos(every.toNanos());
        } while (System.nanoTime() < deadline);
    }

    private static final Duration POLL = Duration.ofMillis(20);

    public static <T> T until(Duration timeout, Supplier<T> probe, java.util.function.Predicate<T> done, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        T last = null;
        RuntimeException error = null;
        while (System.nanoTime() < deadline) {
            try {
                last = probe.get();
                error = null;
                if (done.test(last)) {
                    return last;
                }
            } catch (RuntimeException e) {
                error = e; // the state may be in flux (e.g. a peer being removed): keep polling
            }
            LockSupport.parkNanos(POLL.toNanos());
        }
        return fail("not " + what + " within " + timeout + "; last: " + (error != null ? error : last));
    }
}
