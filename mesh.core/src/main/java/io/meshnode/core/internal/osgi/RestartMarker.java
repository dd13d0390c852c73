package io.meshnode.core.internal.osgi;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

/**
 * Tells a new mesh that it replaces one that stopped a moment ago while the node stayed up (mesh.core
 * updated or restarted): the old one leaves {@code data/mesh.restart} behind, the new one finds it and
 * dials every peer at once. Kept in a file, not in a static, so it survives the bundle's new class loader.
 */
public final class RestartMarker {
    /** A marker older than this is from another episode (the node was killed after writing it). */
    public static final Duration FRESH = Duration.ofSeconds(60);
    private final Path file;

    public RestartMarker(Path data) {
        this.file = data.resolve("mesh.restart");
    }

    /** @return {@code true} if the framework keeps running while this bundle stops */
    public static boolean nodeStaysUp(BundleContext context) {
        Bundle system = context.getBundle(0);
        return system != null && system.getState() == Bundle.ACTIVE;
    }

    public void write(long wallClock) throws IOException {
        Files.writeString(file, Long.toString(wallClock));
    }

    /** Reads and removes the marker. @return {@code true} if a mesh stopped within {@link #FRESH} */
    public boolean consume(long wallClock) {
        try {
            if (!Files.exists(file)) {
                return false;
            }
            long at = Long.parseLong(Files.readString(file).trim());
            Files.deleteIfExists(file);
            return wallClock - at >= 0 && wallClock - at < FRESH.toMillis();
        } catch (IOException | NumberFormatException e) {
            return false;
        }
    }
}
