package io.meshnode.api.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ConfigValuesTest {

    @Test
    void durationsTakeAUnit() {
        assertEquals(Duration.ofMillis(250), ConfigValues.parseDuration("250ms"));
        assertEquals(Duration.ofSeconds(30), ConfigValues.parseDuration(" 30s "));
        assertEquals(Duration.ofMinutes(5), ConfigValues.parseDuration("5m"));
        assertEquals(Duration.ofMillis(1500), ConfigValues.parseDuration("1.5s"));
        assertEquals(Duration.ofHours(2), ConfigValues.parseDuration("2h"));
        assertEquals(Duration.ofSeconds(30), ConfigValues.parseDuration("PT30S"));
        assertNull(ConfigValues.parseDuration("30"), "a bare number is ambiguous");
        assertNull(ConfigValues.parseDuration("-5s"));
        assertNull(ConfigValues.parseDuration("soon"));
        assertEquals("250ms", ConfigValues.format(Duration.ofMillis(250)));
        assertEquals("5m", ConfigValues.format(Duration.ofMinutes(5)));
    }

    @Test
    void sizesTakeAnOptionalBinaryUnit() {
        assertEquals(1_048_576, ConfigValues.parseSize("1048576"));
        assertEquals(64 * 1024, ConfigValues.parseSize(" 64k "));
        assertEquals(512 * 1024, ConfigValues.parseSize("512KiB"));
        assertEquals(4L << 20, ConfigValues.parseSize("4MiB"));
        assertEquals(4L << 20, ConfigValues.parseSize("4 mb"));
        assertEquals(3L << 30, ConfigValues.parseSize("3g"));
        assertEquals(10, ConfigValues.parseSize("10b"));
        assertEquals(-1, ConfigValues.parseSize("-1"));
        assertEquals(-1, ConfigValues.parseSize("1.5m"));
        assertEquals(-1, ConfigValues.parseSize("4 TiB"));
        assertEquals(-1, ConfigValues.parseSize("99999999999999999g"));
        assertEquals(-1, ConfigValues.parseSize(null));
        ConfigValues v = ConfigValues.of(Map.of(), "meshnode.transport");
        assertEquals(4L << 20, v.size("outbound.budget", "4m", 1024, 1L << 30));
        assertEquals("configuration meshnode.transport: outbound.budget = '512' is invalid: expected a size in bytes"
            + " from 1024 to 1073741824: a whole number, optionally with k, m or g (KiB, MiB, GiB), e.g. 64k, 4MiB",
            assertThrows(ConfigException.class, () -> v.size("outbound.budget", "512", 1024, 1L << 30)).getMessage());
    }

    @Test
    void errorsNameTheFileAndTheKey() {
        ConfigValues v = ConfigValues.of(Map.of(ConfigValues.FILEINSTALL_FILENAME, "file:/srv/node/etc/meshnode.heartbeat.cfg"),
            "meshnode.heartbeat");
        ConfigException e = assertThrows(ConfigException.class, () -> v.duration("interval", "abc"));
        assertEquals("etc/meshnode.heartbeat.cfg: interval = 'abc' is invalid: expected a duration with a unit, e.g. 250ms, 30s, 5m",
            e.getMessage());
        assertEquals("interval", e.key());
        ConfigValues pid = ConfigValues.of(Map.of(), "meshnode.retry");
        assertTrue(assertThrows(ConfigException.class, () -> pid.integer("missed", "x", 1, 10)).getMessage()
            .startsWith("configuration meshnode.retry: missed = 'x'"));
        assertThrows(ConfigException.class, () -> pid.integer("missed", "0", 1, 10));
        assertThrows(ConfigException.class, () -> pid.positiveDuration("interval", "0ms"));
    }

    @Test
    void endpointsAreNumericHostPort() {
        assertEquals("127.0.0.2:7800", ConfigValues.format(ConfigValues.parseEndpoint("127.0.0.2:7800")));
        assertEquals("[::1]:7800", ConfigValues.format(ConfigValues.parseEndpoint("[::1]:7800")));
        assertThrows(IllegalArgumentException.class, () -> ConfigValues.parseEndpoint("127.0.0.2"));
        assertThrows(IllegalArgumentException.class, () -> ConfigValues.parseEndpoint("127.0.0.2:99999"));
        assertThrows(IllegalArgumentException.class, () -> ConfigValues.parseEndpoint("::1:7800"));
        assertThrows(IllegalArgumentException.class, () -> ConfigValues.parseEndpoint("no.such.host.invalid:1"));
    }

    @Test
    void printableEscapesControlCharactersSoNoLogLineCanBeForged() {
        assertEquals("root\\u000aINFO [shell.ssh] meshnode logged in", ConfigValues.printable("root\nINFO [shell.ssh] meshnode logged in"));
        assertEquals("a\\u001b[31mb\\u2028c\\u0000", ConfigValues.printable("a\u001b[31mb\u2028c\u0000"));
        assertEquals("m\u00e9shnode", ConfigValues.printable("m\u00e9shnode"));
        assertEquals("null", ConfigValues.printable(null));
    }
}
