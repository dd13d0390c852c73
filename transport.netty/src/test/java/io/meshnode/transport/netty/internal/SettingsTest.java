package io.meshnode.transport.netty.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.meshnode.api.config.ConfigException;
import io.meshnode.api.config.ConfigValues;

class SettingsTest {
    private static Settings parse(Map<String, String> values) {
        return Settings.from(TestSupport.config(values), ConfigValues.of(Map.of(), NettyTransport.PID));
    }

    @Test
    void defaultsMatchTheDocumentedOnes() {
        assertEquals(Settings.DEFAULTS, parse(Map.of()));
    }

    @Test
    void parsesSizesAndDurations() {
        Settings s = parse(Map.of("frame.max", "64m", "connect.timeout", "250ms", "handshake.timeout", "PT2S",
            "write.buffer.high", "128k", "write.buffer.low", " 65536 "));
        assertEquals(new Settings(64 * 1024 * 1024, Duration.ofMillis(250), Duration.ofSeconds(2), 128 * 1024, 65536), s);
    }

    @Test
    void rejectsBadValuesNamingTheKey() {
        assertEquals("configuration meshnode.transport: frame.max = '512' is invalid: expected a byte count from 1024"
            + " to 67108864, optionally with k or m (e.g. 64k, 1m)",
            assertThrows(ConfigException.class, () -> parse(Map.of("frame.max", "512"))).getMessage());
        assertEquals("frame.max", assertThrows(ConfigException.class, () -> parse(Map.of("frame.max", "65m"))).key());
        assertEquals("frame.max",
            assertThrows(ConfigException.class, () -> parse(Map.of("frame.max", "99999999999999999m"))).key());
        assertEquals("handshake.timeout",
            assertThrows(ConfigException.class, () -> parse(Map.of("handshake.timeout", "0s"))).key());
        assertEquals("connect.timeout",
            assertThrows(ConfigException.class, () -> parse(Map.of("connect.timeout", "30"))).key());
        assertEquals("write.buffer.low", assertThrows(ConfigException.class,
            () -> parse(Map.of("write.buffer.high", "64k", "write.buffer.low", "128k"))).key());
    }
}
