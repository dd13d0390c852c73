package io.meshnode.itest;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/** Waits for a condition with a deadline, re-checking every 20 ms; fails with a description of the last state. */
final class Await {
    private Await() {}

    static <T> T until(Duration timeout, Supplier<T> probe, java.util.function.Predicate<T> done, String what) {
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
            LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
        }
        return fail("not " + what + " within " + timeout + "; last: " + (error != null ? error : last));
    }
}
