package io.meshnode.core.internal.osgi;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.osgi.service.log.Logger;

import io.meshnode.core.internal.config.SavedState;

/**
 * Keeps {@code data/mesh.state}: read once at start (an unreadable file is reported and ignored, the node starts
 * without it), written when the mesh stops (a mesh.core update, a node stop) and every half minute when it changed,
 * so bans and parked peers also survive a crash of the process. Writing happens off the mesh thread; a full disk or
 * a read-only {@code data/} is logged once and the node runs on with its state in memory.
 */
final class StateKeeper {
    static final long EVERY_MILLIS = 30_000;

    private final Path data;
    private final Logger log;
    private final ExecutorService writer = new ThreadPoolExecutor(0, 1, 10, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
        r -> {
            Thread t = new Thread(r, "meshnode-state");
            t.setDaemon(true);
            return t;
        });
    private byte[] written;
    private boolean failing;

    StateKeeper(Path data, Logger log) {
        this.data = data;
        this.log = log;
    }

    SavedState read() {
        try {
            SavedState s = SavedState.read(data);
            if (s.savedAt() > 0) {
                log.info("picked up the state of {} peers and {} banned or offending addresses from {}", s.peers().size(),
                    s.bans().size(), data.resolve(SavedState.FILE));
            }
            return s;
        } catch (IOException | IllegalArgumentException e) {
            log.error("cannot read {}: {}; starting without it (failure counts, parks and bans start afresh)",
                data.resolve(SavedState.FILE), e.getMessage());
            return SavedState.EMPTY;
        }
    }

    /** Writes {@code state} off the calling thread if it differs from what was written last. */
    void save(SavedState state) {
        writer.execute(() -> write(state));
    }

    /** Writes {@code state} now, on the calling thread (the mesh is stopping). */
    synchronized void saveNow(SavedState state) {
        write(state);
    }

    private synchronized void write(SavedState state) {
        byte[] text = state.encode();
        // The header line carries the save's date: compare what follows it.
        if (written != null && Arrays.equals(body(written), body(text))) {
            return;
        }
        try {
            state.write(data);
            written = text;
            if (failing) {
                log.info("{} written again", data.resolve(SavedState.FILE));
                failing = false;
            }
        } catch (IOException | RuntimeException e) {
            if (!failing) {
                log.error("cannot write {}: {}; the node runs on with its peers' state in memory",
                    data.resolve(SavedState.FILE), e.toString());
                failing = true;
            }
        }
    }

    private static byte[] body(byte[] text) {
        String s = new String(text, java.nio.charset.StandardCharsets.ISO_8859_1);
        return s.replaceAll("(?m)^#.*\\n|^savedAt=.*\\n", "").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    void close() {
        writer.shutdown();
    }
}
