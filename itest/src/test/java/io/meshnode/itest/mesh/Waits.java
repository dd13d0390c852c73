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
        return io.meshnode.itest.Await.until(timeout, every, condition, describe);
    }

    static void during(Duration period, BooleanSupplier condition, Supplier<?> describe) {
        during(period, OFTEN, condition, describe);
    }

    /** Fails at the first check, every {@code every}, that finds the condition false during the period. */
    public static void during(Duration period, Duration every, BooleanSupplier condition, Supplier<?> describe) {
        io.meshnode.itest.Await.during(period, every, condition, describe);
    }
}
