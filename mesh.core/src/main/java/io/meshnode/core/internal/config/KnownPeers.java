package io.meshnode.core.internal.config;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Properties;

/**
 * Node ids learned at handshakes, by listen endpoint ({@code data/peers.properties}), so that after a
 * restart both sides of a pair still decide the dialer from the two ids.
 */
public final class KnownPeers {
    private final Path file;
    private final Properties ids = new Properties();

    public KnownPeers(Path file) {
        this.file = file;
    }

    public void load() throws IOException {
        if (file != null && Files.exists(file)) {
            try (Reader r = Files.newBufferedReader(file)) {
                ids.load(r);
            }
        }
    }

    public String id(String endpoint) {
        return ids.getProperty(endpoint);
    }

    /** @return {@code true} if this changed what is known */
    public boolean learn(String endpoint, String id) {
        return !id.equals(ids.setProperty(endpoint, id));
    }

    public void save() throws IOException {
        if (file == null) {
            return;
        }
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp)) {
            ids.store(w, "node ids learned at handshakes, by listen endpoint");
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
