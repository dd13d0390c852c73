package io.meshnode.runtime.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.service.log.LogLevel;

import io.meshnode.api.config.ConfigException;
import io.meshnode.api.config.ConfigValues;
import io.meshnode.api.testing.Configs;

class RotatingLogTest {
    @TempDir
    Path dir;

    @Test
    void rotatesBySizeKeepingTheConfiguredNumberOfFiles() throws Exception {
        Path file = dir.resolve("log/meshnode.log");
        try (RotatingLog log = new RotatingLog(file, 20, 2)) {
            for (int i = 1; i <= 7; i++) {
                log.write("line " + i + " ....."); // 13 bytes with the newline: one line per file
            }
        }
        assertEquals(List.of("line 7 ....."), Files.readAllLines(file));
        assertEquals(List.of("line 6 ....."), Files.readAllLines(dir.resolve("log/meshnode.log.1")));
        assertEquals(List.of("line 5 ....."), Files.readAllLines(dir.resolve("log/meshnode.log.2")));
        assertFalse(Files.exists(dir.resolve("log/meshnode.log.3")));
    }

    @Test
    void appendsToAnExistingFileAndCountsItsSize() throws Exception {
        Path file = dir.resolve("meshnode.log");
        Files.writeString(file, "0123456789\n");
        try (RotatingLog log = new RotatingLog(file, 20, 1)) {
            log.write("abc"); // 11 + 4 = 15: fits
            log.write("defgh"); // 15 + 6 > 20: rotates first
        }
        assertEquals(List.of("0123456789", "abc"), Files.readAllLines(dir.resolve("meshnode.log.1")));
        assertEquals(List.of("defgh"), Files.readAllLines(file));
    }

    @Test
    void newLimitsApplyLiveAndZeroKeepsNoOldFile() throws Exception {
        Path file = dir.resolve("meshnode.log");
        try (RotatingLog log = new RotatingLog(file, 1000, 3)) {
            log.write("first");
            log.limits(8, 0);
            log.write("second");
        }
        assertEquals(List.of("second"), Files.readAllLines(file));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count());
        }
    }

    @Test
    void settingsParseLevelSizeAndCount() {
        LogSettings s = LogSettings.parse(Configs.of(LogSink.Config.class,
            Configs.map("level", "debug", "file.size", "64k", "file.count", "2")), values());
        assertEquals(new LogSettings(LogLevel.DEBUG, 64 * 1024, 2, false, false), s);
        LogSettings json = LogSettings.parse(Configs.of(LogSink.Config.class,
            Configs.map("format", " JSON ", "stdout", "true")), values());
        assertTrue(json.json() && json.stdout());
        assertEquals(LogSettings.DEFAULTS, LogSettings.parse(Configs.of(LogSink.Config.class, Configs.map()), values()));
        assertEquals(3L << 30, LogSettings.parse(Configs.of(LogSink.Config.class, Configs.map("file.size", "3g")),
            values()).fileSize());
    }

    @Test
    void badSettingsNameTheFileAndKey() {
        ConfigException e = assertThrows(ConfigException.class, () -> LogSettings.parse(
            Configs.of(LogSink.Config.class, Configs.map("level", "loud")), values()));
        assertTrue(e.getMessage().contains("etc/meshnode.log.cfg: level = 'loud'"), e.getMessage());
        for (String size : new String[] {"1k", "ten", "-5m", "99999999999g", ""}) {
            e = assertThrows(ConfigException.class, () -> LogSettings.parse(
                Configs.of(LogSink.Config.class, Configs.map("file.size", size)), values()), size);
            assertTrue(e.getMessage().contains("file.size"), e.getMessage());
        }
        assertThrows(ConfigException.class, () -> LogSettings.parse(
            Configs.of(LogSink.Config.class, Configs.map("file.count", "-1")), values()));
        e = assertThrows(ConfigException.class, () -> LogSettings.parse(
            Configs.of(LogSink.Config.class, Configs.map("format", "xml")), values()));
        assertTrue(e.getMessage().contains("format = 'xml'"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> LogSettings.parse(
            Configs.of(LogSink.Config.class, Configs.map("stdout", "yes")), values()));
        assertTrue(e.getMessage().contains("stdout"), e.getMessage());
    }

    private static ConfigValues values() {
        return ConfigValues.of(Configs.map(ConfigValues.FILEINSTALL_FILENAME, "/home/n/etc/meshnode.log.cfg"),
            LogSink.PID);
    }
}
