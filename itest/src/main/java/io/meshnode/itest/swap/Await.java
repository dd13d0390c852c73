package io.meshnode.itest.swap;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.osgi.framework.BundleContext;

/** Waiting for conditions, and the build outputs the swap tests use. */
final class Await {
    private Await() {}

    /** Polls {@code condition} until it holds; fails with {@code state} after {@code timeout}. */
    static void until(Duration timeout, BooleanSupplier condition, Supplier<String> state) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + timeout + ": " + state.get());
            }
            Thread.sleep(20);
        }
    }

    /** @return the jar of the example retry policy, built by the reactor */
    static Path exampleJar(BundleContext context) throws IOException {
        Path target = Path.of(context.getProperty("meshnode.itest.root"), "examples", "retry.fixed", "target");
        try (Stream<Path> jars = Files.list(target)) {
            return jars.filter(p -> p.getFileName().toString().matches("examples\\.retry\\.fixed-[^-]+(-SNAPSHOT)?\\.jar"))
                .findFirst().orElseThrow(() -> new AssertionError("no example jar in " + target + ": build examples first"));
        }
    }
}
