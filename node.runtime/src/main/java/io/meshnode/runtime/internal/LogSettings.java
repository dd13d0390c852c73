package io.meshnode.runtime.internal;

import java.util.Locale;

import org.osgi.service.log.LogLevel;

import io.meshnode.api.config.ConfigValues;

/** The parsed {@code etc/meshnode.log.cfg}. */
record LogSettings(LogLevel level, long fileSize, int fileCount, boolean json, boolean stdout) {
    static final long MIN_FILE_SIZE = 4 * 1024;
    static final long MAX_FILE_SIZE = 1L << 40;
    /** What the documented defaults parse to (used when the first configuration is invalid). */
    static final LogSettings DEFAULTS = new LogSettings(LogLevel.INFO, 10L << 20, 5, false, false);

    static LogSettings parse(LogSink.Config config, ConfigValues values) {
        return new LogSettings(level(values, config.level()), size(values, "file.size", config.file_size()),
            values.integer("file.count", config.file_count(), 0, 1000), json(values, config.format()),
            bool(values, "stdout", config.stdout()));
    }

    private static boolean json(ConfigValues values, String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "text" -> false;
            case "json" -> true;
            default -> throw values.invalid("format", text, "expected text or json");
        };
    }

    private static boolean bool(ConfigValues values, String key, String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw values.invalid(key, text, "expected true or false");
        };
    }

    private static LogLevel level(ConfigValues values, String text) {
        try {
            LogLevel level = LogLevel.valueOf(text.trim().toUpperCase(Locale.ROOT));
            if (level != LogLevel.AUDIT) {
                return level;
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        throw values.invalid("level", text, "expected ERROR, WARN, INFO, DEBUG or TRACE");
    }

    /** Bytes, with an optional k, m or g suffix (powers of 1024). */
    private static long size(ConfigValues values, String key, String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        int shift = switch (t.isEmpty() ? ' ' : t.charAt(t.length() - 1)) {
            case 'k' -> 10;
            case 'm' -> 20;
            case 'g' -> 30;
            default -> 0;
        };
        try {
            long n = Long.parseLong(shift == 0 ? t : t.substring(0, t.length() - 1).trim());
            if (n <= MAX_FILE_SIZE >> shift && n << shift >= MIN_FILE_SIZE) {
                return n << shift;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw values.invalid(key, text, "expected a size from 4k to 1024g: bytes, or a number with k, m or g (e.g. 10m)");
    }
}
