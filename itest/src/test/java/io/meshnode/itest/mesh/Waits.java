package io.meshnode.itest.mesh;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waiting for conditions with a deadline, polling every few milliseconds. */
final class Waits {
    private Waits() {}

    static void pause() {
        LockSupport.parkNanos(5_000_000);
    }

    /** @return how long it took */
    static Duration until(Duration timeout, BooleanSupplier condition, Supplier<?> describe) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout + ": " + describe.get());
            }
            pause();
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /** Fails if the condition ever turns false during the whole period. */
    static void during(Duration period, BooleanSupplier condition, Supplier<String> describe) {
        long deadline = System.nanoTime() + period.toNanos();
        while (System.nanoTime() < deadline) {
            if (!condition.getAsBoolean()) {
                throw new AssertionError(describe.get());
            }
            pause();
        }
    }
}
