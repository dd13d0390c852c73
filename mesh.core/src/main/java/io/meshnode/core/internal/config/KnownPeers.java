package io.meshnode.core.internal.config;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Node ids learned at handshakes, by listen endpoint ({@code data/peers.properties}), so that after a
 * restart both sides of a pair still decide the dialer from the two ids, and an endpoint stays bound to the
 * key first met there (trust on first use). The mesh learns ids of configured endpoints only, and at most
 * {@link #MAX} are kept, so no peer can grow the file. Saving writes the whole file on a background thread
 * of its own, never on the caller's: saves made while one is written coalesce into the next write.
 */
public final class KnownPeers {
    /** The most endpoints remembered; more than any configuration lists. */
    public static final int MAX = 4096;

    private final Path file;
    /** Mesh thread only. */
    private final Map<String, String> ids = new TreeMap<>();
    private final Executor writer;
    /** The newest snapshot not yet written. */
    private final AtomicReference<Map<String, String>> unsaved = new AtomicReference<>();
    private final AtomicBoolean writing = new AtomicBoolean();
    private volatile Consumer<IOException> failed = e -> {};

    public KnownPeers(Path file) {
        this(file, backgroundWriter());
    }

    /** @param writer runs the writes of the file, one at a time */
    public KnownPeers(Path file, Executor writer) {
        this.file = file;
        this.writer = writer;
    }

    /** One daemon thread while there is something to write; none when idle, so nothing needs closing. */
    private static Executor backgroundWriter() {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 1, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "meshnode-known-peers");
            t.setDaemon(true);
            return t;
        });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    /** Where a failed background write is reported (the log). */
    public void onFailure(Consumer<IOException> report) {
        failed = report;
    }

    public void load() throws IOException {
        if (file != null && Files.exists(file)) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(file)) {
                p.load(r);
            }
            for (String endpoint : new TreeMap<>(p).keySet().stream().map(String::valueOf).toList()) {
                if (ids.size() >= MAX) {
                    break; // a file grown before the bound: the rest is forgotten at the next save
                }
                ids.put(endpoint, p.getProperty(endpoint));
            }
        }
    }

    public String id(String endpoint) {
        return ids.get(endpoint);
    }

    public int size() {
        return ids.size();
    }

    /** @return {@code true} if this changed what is known; {@code false} also when {@link #MAX} endpoints are known */
    public boolean learn(String endpoint, String id) {
        if (!ids.containsKey(endpoint) && ids.size() >= MAX) {
            return false;
        }
        return !id.equals(ids.put(endpoint, id));
    }

    /** Forgets the id learned at {@code endpoint} (an operator accepted another key there). */
    public boolean forget(String endpoint) {
        return ids.remove(endpoint) != null;
    }

    /** Writes the file in the background; returns at once. */
    public void save() {
        if (file == null) {
            return;
        }
        unsaved.set(new TreeMap<>(ids));
        if (writing.compareAndSet(false, true)) {
            writer.execute(this::write);
        }
    }

    private void write() {
        try {
            for (Map<String, String> snapshot; (snapshot = unsaved.getAndSet(null)) != null;) {
                try {
                    writeFile(snapshot);
                } catch (IOException | RuntimeException e) {
                    failed.accept(e instanceof IOException io ? io : new IOException(e));
                }
            }
        } finally {
            writing.set(false);
            if (unsaved.get() != null && writing.compareAndSet(false, true)) {
                writer.execute(this::write); // a save that came in while this write ended
            }
        }
    }

    private void writeFile(Map<String, String> snapshot) throws IOException {
        Files.createDirectories(file.getParent());
        Properties p = new Properties();
        p.putAll(snapshot);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp)) {
            p.store(w, "node ids learned at handshakes, by listen endpoint");
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
