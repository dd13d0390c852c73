package io.meshnode.itest;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/** Waits for a condition with a deadline, re-checking every 20 ms; fails with a description of the last state. */
public final class Await {
    private Await() {}

    /** Polls {@code condition} until it holds; fails with {@code state} after {@code timeout}. */
    public static void until(Duration timeout, java.util.function.BooleanSupplier condition, Supplier<String> state) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("not within " + timeout + ": " + state.get());
            }
            LockSupport.parkNanos(POLL.toNanos());
        }
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
