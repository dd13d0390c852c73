package io.meshnode.itest.fault;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import io.meshnode.itest.mesh.Waits;

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
        return Waits.until(timeout, Duration.ofNanos(INTERVAL_NANOS), condition, describe);
    }

    /** Checks the condition throughout the period; fails at its first false. */
    static void during(Duration period, BooleanSupplier condition, Supplier<?> describe) {
        Waits.during(period, Duration.ofNanos(INTERVAL_NANOS), condition, describe);
    }

    /** Lets time pass that the scenario itself defines (a fault held for a set period), not a wait for a result. */
    static void hold(Duration period) {
        long deadline = System.nanoTime() + period.toNanos();
        for (long left; (left = deadline - System.nanoTime()) > 0;) {
            LockSupport.parkNanos(left);
        }
    }
}
