package io.meshnode.itest.fault;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waiting for conditions with a deadline. Conditions here start processes (ss, nft in a namespace), so
 * they are polled every 25 ms rather than every few milliseconds: measured times carry up to that much
 * polling error, which is small against the bounds they are compared with.
 */
final class Poll {
    static final long INTERVAL_NANOS = 25_000_000;

    private Poll() {}

    /** @return how long it took */
    static Duration until(Duration timeout, BooleanSupplier condition, Supplier<?> describe) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout + ": " + describe.get());
            }
            LockSupport.parkNanos(INTERVAL_NANOS);
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /** Checks the condition throughout the period; fails at its first false. */
    static void during(Duration period, BooleanSupplier condition, Supplier<?> describe) {
        long deadline = System.nanoTime() + period.toNanos();
        do {
            if (!condition.getAsBoolean()) {
                throw new AssertionError(describe.get());
            }
            LockSupport.parkNanos(INTERVAL_NANOS);
        } while (System.nanoTime() < deadline);
    }

    /** Lets time pass that the scenario itself defines (a fault held for a set period), not a wait for a result. */
    static void hold(Duration period) {
        long deadline = System.nanoTime() + period.toNanos();
        for (long left; (left = deadline - System.nanoTime()) > 0;) {
            LockSupport.parkNanos(left);
        }
    }
}
