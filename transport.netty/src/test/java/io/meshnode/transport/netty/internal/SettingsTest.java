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
        Settings flow = parse(Map.of("write.buffer.high", "256k", "outbound.budget", "512KiB", "outbound.control.max", "8k", "close.deadline", "250ms",
            "tcp.user.timeout", "0s"));
        assertEquals(512 * 1024, flow.outboundBudget());
        assertEquals(8 * 1024, flow.controlMax());
        assertEquals(Duration.ofMillis(250), flow.closeDeadline());
        assertEquals(Duration.ZERO, flow.tcpUserTimeout());
        assertEquals(4L << 20, Settings.DEFAULTS.outboundBudget());
        assertEquals(64 * 1024, Settings.DEFAULTS.controlMax());
        assertEquals(Duration.ofSeconds(1), Settings.DEFAULTS.closeDeadline());
        assertEquals(Duration.ofSeconds(30), Settings.DEFAULTS.tcpUserTimeout());
    }

    @Test
    void rejectsBadValuesNamingTheKey() {
        assertEquals("configuration meshnode.transport: frame.max = '512' is invalid: expected a size in bytes from 1024"
            + " to 67108864: a whole number, optionally with k, m or g (KiB, MiB, GiB), e.g. 64k, 4MiB",
            assertThrows(ConfigException.class, () -> parse(Map.of("frame.max", "512"))).getMessage());
        assertEquals("frame.max", assertThrows(ConfigException.class, () -> parse(Map.of("frame.max", "65m"))).key());
        assertEquals("frame.max",
            assertThrows(ConfigException.class, () -> parse(Map.of("frame.max", "99999999999999999m"))).key());
        assertEquals("handshake.timeout",
            assertThrows(ConfigException.class, () -> parse(Map.of("handshake.timeout", "0s"))).key());
        assertEquals("connect.timeout",
            assertThrows(ConfigException.class, () -> parse(Map.of("connect.timeout", "30"))).key());
        assertEquals("configuration meshnode.transport: outbound.budget = '512k' is invalid: at least write.buffer.high"
            + " (1048576)", assertThrows(ConfigException.class, () -> parse(Map.of("outbound.budget", "512k"))).getMessage());
        assertEquals("outbound.control.max",
            assertThrows(ConfigException.class, () -> parse(Map.of("outbound.control.max", "100"))).key());
        assertEquals("close.deadline",
            assertThrows(ConfigException.class, () -> parse(Map.of("close.deadline", "0s"))).key());
        assertEquals("tcp.user.timeout",
            assertThrows(ConfigException.class, () -> parse(Map.of("tcp.user.timeout", "30"))).key());
        assertEquals("write.buffer.low", assertThrows(ConfigException.class,
            () -> parse(Map.of("write.buffer.high", "64k", "write.buffer.low", "128k"))).key());
    }
}
