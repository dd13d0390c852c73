package io.meshnode.itest.mesh;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waiting for conditions with a deadline, polling every few milliseconds (or as often as the caller says). */
public final class Waits {
    private static final Duration OFTEN = Duration.ofMillis(5);

    private Waits() {}

    static void pause() {
        LockSupport.parkNanos(OFTEN.toNanos());
    }

    /** @return how long it took */
    static Duration until(Duration timeout, BooleanSupplier condition, Supplier<?> describe) {
        return until(timeout, OFTEN, condition, describe);
    }

    /**
     * @param every how often the condition is checked: conditions that start processes are checked less often
     * @return how long it took
     */
    public static Duration until(Duration timeout, Duration every, BooleanSupplier condition, Supplier<?> describe) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout + ": " + describe.get());
            }
            LockSupport.parkNanos(every.toNanos());
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /** Fails if the condition ever turns false during the whole period. */
    static void during(Duration period, BooleanSupplier condition, Supplier<?> describe) {
        during(period, OFTEN, condition, describe);
    }

    /** Fails at the first check, every {@code every}, that finds the condition false during the period. */
    public static void during(Duration period, Duration every, BooleanSupplier condition, Supplier<?> describe) {
        long deadline = System.nanoTime() + period.toNanos();
        do {
            if (!condition.getAsBoolean()) {
                throw new AssertionError(String.valueOf(describe.get()));
            }
            LockSupport.parkNanos(every.toNanos());
        } while (System.nanoTime() < deadline);
    }
}
