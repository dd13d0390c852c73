package io.meshnode.core.internal.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Queue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KnownPeersTest {
    @TempDir
    Path dir;

    @Test
    void savingReturnsAtOnceAndTheWriterCoalescesSavesIntoOneWriteOfTheNewest() throws Exception {
        Queue<Runnable> writer = new ArrayDeque<>();
        Path file = dir.resolve("peers.properties");
        KnownPeers known = new KnownPeers(file, writer::add);
        known.learn("127.0.0.3:7800", "ab".repeat(20));
        known.save();
        known.learn("127.0.0.4:7800", "cd".repeat(20));
        known.save();
        assertFalse(Files.exists(file), "nothing written on the caller's thread");
        assertEquals(1, writer.size(), "one write for both saves");
        writer.poll().run();
        KnownPeers reloaded = new KnownPeers(file, Runnable::run);
        reloaded.load();
        assertEquals("cd".repeat(20), reloaded.id("127.0.0.4:7800"));
        assertEquals(2, reloaded.size());
    }

    @Test
    void atMostMaxEndpointsAreRemembered() {
        KnownPeers known = new KnownPeers(null, Runnable::run);
        for (int i = 0; i < KnownPeers.MAX; i++) {
            assertTrue(known.learn("10.0." + i / 256 + "." + i % 256 + ":7800", "ab".repeat(20)));
        }
        assertFalse(known.learn("10.99.0.1:7800", "ab".repeat(20)), "full");
        assertTrue(known.learn("10.0.0.0:7800", "cd".repeat(20)), "a known endpoint may still change");
        assertEquals(KnownPeers.MAX, known.size());
    }
}
