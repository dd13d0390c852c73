package io.meshnode.core.internal.osgi;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RestartMarkerTest {
    @TempDir
    Path data;

    @Test
    void aFreshMarkerIsReadOnce() throws Exception {
        RestartMarker m = new RestartMarker(data);
        assertFalse(m.consume(1_000_000));
        m.write(1_000_000);
        assertTrue(m.consume(1_000_500));
        assertFalse(m.consume(1_000_600), "consumed");
    }

    @Test
    void aStaleMarkerIsIgnored() throws Exception {
        RestartMarker m = new RestartMarker(data);
        m.write(1_000_000);
        assertFalse(m.consume(1_000_000 + RestartMarker.FRESH.toMillis()));
    }
}
