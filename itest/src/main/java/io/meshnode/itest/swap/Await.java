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
    static void until(Duration timeout, BooleanSupplier condition, Supplier<String> state) {
        io.meshnode.itest.Await.until(timeout, condition, state);
    }

    /** @return the jar of an example ({@code retry.fixed}, {@code transport.counting}), built by the reactor */
    static Path exampleJar(BundleContext context, String example) throws IOException {
        return builtJar(context, "examples/" + example, "examples." + example);
    }

    /** @return {@code <module>/target/<artifact>-<version>.jar}, built by the reactor */
    static Path builtJar(BundleContext context, String module, String artifact) throws IOException {
        Path target = Path.of(context.getProperty("meshnode.itest.root")).resolve(module).resolve("target");
        try (Stream<Path> jars = Files.list(target)) {
            return jars.filter(p -> p.getFileName().toString().startsWith(artifact + "-") && p.toString().endsWith(".jar")
                && !p.toString().endsWith("-tests.jar") && !p.toString().endsWith("-sources.jar"))
                .findFirst().orElseThrow(() -> new AssertionError("no " + artifact + " jar in " + target));
        }
    }
}
