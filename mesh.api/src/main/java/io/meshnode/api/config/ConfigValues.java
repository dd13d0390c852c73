package io.meshnode.api.config;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses and validates configuration values of one configuration, reporting every problem as a
 * {@link ConfigException} that names the file and key.
 * <p>
 * Durations take a unit: {@code 250ms}, {@code 30s}, {@code 5m}, {@code 1h}, {@code 1d}, or an
 * ISO-8601 duration such as {@code PT30S}. A bare number is refused, because "30" is as likely to mean
 * seconds as milliseconds.
 */
public final class ConfigValues {
    /** Configuration property that Apache Felix FileInstall adds to configurations read from a file. */
    public static final String FILEINSTALL_FILENAME = "felix.fileinstall.filename";

    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h|d)");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(|b|k|kb|kib|m|mb|mib|g|gb|gib)");

    private final String source;

    private ConfigValues(String source) {
        this.source = source;
    }

    /**
     * Describes the source of a configuration for error messages: the file it was read from (as
     * {@code etc/<name>}) when FileInstall read it, otherwise the PID.
     *
     * @param properties the component or configuration properties
     * @param pid the configuration PID
     * @return a parser whose errors name that source
     */
    public static ConfigValues of(Map<String, ?> properties, String pid) {
        Object file = properties == null ? null : properties.get(FILEINSTALL_FILENAME);
        if (file != null) {
            String name = file.toString();
            try {
                Path path = Path.of(name.startsWith("file:") ? java.net.URI.create(name) : Path.of(name).toUri());
                Path parent = path.getParent();
                name = (parent == null ? "" : parent.getFileName() + "/") + path.getFileName();
            } catch (RuntimeException e) {
                // keep the name as FileInstall gave it
            }
            return new ConfigValues(name);
        }
        return new ConfigValues("configuration " + pid);
    }

    /** @return the file or PID named in error messages */
    public String source() {
        return source;
    }

    /**
     * Parses a duration with a unit.
     *
     * @param key the key, for the error message
     * @param value the text
     * @return the duration, never negative
     * @throws ConfigException if the text is not a duration with a unit
     */
    public Duration duration(String key, String value) {
        Duration d = parseDuration(value);
        if (d == null) {
            throw new ConfigException(source, key, value, "expected a duration with a unit, e.g. 250ms, 30s, 5m");
        }
        return d;
    }

    /**
     * Parses a duration that must be strictly positive.
     *
     * @param key the key
     * @param value the text
     * @return a positive duration
     * @throws ConfigException if the text is not a positive duration
     */
    public Duration positiveDuration(String key, String value) {
        Duration d = duration(key, value);
        if (d.isZero()) {
            throw new ConfigException(source, key, value, "must be greater than zero");
        }
        return d;
    }

    /**
     * Parses an integer within bounds.
     *
     * @param key the key
     * @param value the text
     * @param min smallest accepted value
     * @param max largest accepted value
     * @return the integer
     * @throws ConfigException if the text is not an integer in {@code [min, max]}
     */
    public int integer(String key, String value, int min, int max) {
        try {
            int n = Integer.parseInt(value.trim());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (RuntimeException e) {
            // reported below
        }
        throw new ConfigException(source, key, value, "expected a whole number from " + min + " to " + max);
    }

    /**
     * Parses a decimal number within bounds.
     *
     * @param key the key
     * @param value the text
     * @param min smallest accepted value
     * @param max largest accepted value
     * @return the number
     * @throws ConfigException if the text is not a number in {@code [min, max]}
     */
    public double decimal(String key, String value, double min, double max) {
        try {
            double n = Double.parseDouble(value.trim());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (RuntimeException e) {
            // reported below
        }
        throw new ConfigException(source, key, value, "expected a number from " + min + " to " + max);
    }

    /**
     * Parses a size in bytes: a whole number, optionally with a binary unit ({@code 4m}, {@code 4MiB},
     * {@code 512k}, {@code 512KiB}, {@code 1g}; see {@link #parseSize(String)}).
     *
     * @param key the key
     * @param value the text
     * @param min smallest accepted number of bytes
     * @param max largest accepted number of bytes
     * @return the number of bytes
     * @throws ConfigException if the text is not a size in {@code [min, max]}
     * @since 1.1
     */
    public long size(String key, String value, long min, long max) {
        long n = parseSize(value);
        if (n >= min && n <= max) {
            return n;
        }
        throw new ConfigException(source, key, value, "expected a size in bytes from " + min + " to " + max
            + ": a whole number, optionally with k, m or g (KiB, MiB, GiB), e.g. 64k, 4MiB");
    }

    /**
     * Parses a size in bytes. Units are binary and case-insensitive: none or {@code b} (bytes); {@code k},
     * {@code kb}, {@code kib} (1024); {@code m}, {@code mb}, {@code mib} (1024²); {@code g}, {@code gb},
     * {@code gib} (1024³). Space between number and unit is allowed.
     *
     * @param text e.g. {@code 1048576}, {@code 64k}, {@code 4MiB}
     * @return the number of bytes, or -1 if the text is not a size or is larger than {@link Long#MAX_VALUE}
     * @since 1.1
     */
    public static long parseSize(String text) {
        if (text == null) {
            return -1;
        }
        Matcher m = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            return -1;
        }
        int shift = switch (m.group(2)) {
            case "k", "kb", "kib" -> 10;
            case "m", "mb", "mib" -> 20;
            case "g", "gb", "gib" -> 30;
            default -> 0;
        };
        try {
            long n = Long.parseLong(m.group(1));
            return n > Long.MAX_VALUE >> shift ? -1 : n << shift;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * Parses a {@code host:port} endpoint ({@code [v6]:port} for IPv6). The host must be an IP
     * literal or a name that resolves now.
     *
     * @param key the key
     * @param value the text
     * @return the resolved endpoint
     * @throws ConfigException if the text is not a resolvable {@code host:port}
     */
    public InetSocketAddress endpoint(String key, String value) {
        try {
            return parseEndpoint(value);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(source, key, value, e.getMessage());
        }
    }

    /**
     * Builds an error for a value that failed a check of the caller's own.
     *
     * @param key the key
     * @param value the rejected value
     * @param expected what would be accepted
     * @return the exception to throw
     */
    public ConfigException invalid(String key, Object value, String expected) {
        return new ConfigException(source, key, value, expected);
    }

    /**
     * Parses a duration with a unit.
     *
     * @param text e.g. {@code 250ms}, {@code 30s}, {@code 5m}, {@code PT1S}
     * @return the duration, or {@code null} if the text is not a non-negative duration with a unit
     */
    public static Duration parseDuration(String text) {
        if (text == null) {
            return null;
        }
        String t = text.trim().toLowerCase(Locale.ROOT);
        Matcher m = DURATION.matcher(t);
        if (m.matches()) {
            double amount = Double.parseDouble(m.group(1));
            double millis;
            switch (m.group(2)) {
                case "ms": millis = amount; break;
                case "s": millis = amount * 1_000; break;
                case "m": millis = amount * 60_000; break;
                case "h": millis = amount * 3_600_000; break;
                default: millis = amount * 86_400_000; break;
            }
            if (millis > Long.MAX_VALUE / 2) {
                return null;
            }
            return Duration.ofNanos(Math.round(millis * 1_000_000));
        }
        if (t.startsWith("pt") || t.startsWith("p")) {
            try {
                Duration d = Duration.parse(text.trim());
                return d.isNegative() ? null : d;
            } catch (DateTimeParseException e) {
                return null;
            }
        }
        return null;
    }

    /**
     * Formats a duration the way configuration files write it ({@code 250ms}, {@code 30s}, {@code 5m}).
     *
     * @param d a duration
     * @return its shortest exact text with a unit
     */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms != 0 && ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms != 0 && ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms != 0 && ms % 1_000 == 0) {
            return ms / 1_000 + "s";
        }
        return ms + "ms";
    }

    /**
     * Parses {@code host:port} or {@code [v6]:port} into a resolved address.
     *
     * @param text the endpoint
     * @return the address
     * @throws IllegalArgumentException with an operator-readable reason
     */
    public static InetSocketAddress parseEndpoint(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("expected host:port, e.g. 127.0.0.2:7800");
        }
        String t = text.trim();
        String host;
        String port;
        if (t.startsWith("[")) {
            int close = t.indexOf(']');
            if (close < 0 || close + 1 >= t.length() || t.charAt(close + 1) != ':') {
                throw new IllegalArgumentException("expected [ipv6]:port, e.g. [::1]:7800");
            }
            host = t.substring(1, close);
            port = t.substring(close + 2);
        } else {
            int colon = t.lastIndexOf(':');
            if (colon <= 0 || t.indexOf(':') != colon) {
                throw new IllegalArgumentException("expected host:port, e.g. 127.0.0.2:7800 (IPv6 as [::1]:7800)");
            }
            host = t.substring(0, colon);
            port = t.substring(colon + 1);
        }
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("port '" + port + "' is not a number");
        }
        if (p < 0 || p > 65535) {
            throw new IllegalArgumentException("port " + p + " is out of range 0-65535");
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), p);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("host '" + host + "' does not resolve");
        }
    }

    /**
     * Makes text that someone else supplied (a peer's refusal reason, an SSH user name) safe for a log line or
     * a console: control characters, line breaks among them, which could forge log lines, become escapes (a
     * backslash, {@code u} and four hex digits), as do the Unicode line and paragraph separators.
     *
     * @param text any text, or {@code null}
     * @return the text with every control character escaped; {@code "null"} for {@code null}
     */
    public static String printable(String text) {
        if (text == null) {
            return "null";
        }
        StringBuilder sb = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                if (sb == null) {
                    sb = new StringBuilder(text.length() + 16).append(text, 0, i);
                }
                sb.append(String.format("\\u%04x", (int) c));
            } else if (sb != null) {
                sb.append(c);
            }
        }
        return sb == null ? text : sb.toString();
    }

    /** Shortens an IPv6 literal the usual way (RFC 5952): the longest run of zero groups becomes "::". */
    private static String compress(String v6) {
        int zone = v6.indexOf('%');
        String[] groups = (zone >= 0 ? v6.substring(0, zone) : v6).split(":");
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < groups.length; i++) {
            int j = i;
            while (j < groups.length && groups[j].equals("0")) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
        }
        if (bestStart < 0) {
            return String.join(":", groups);
        }
        String head = String.join(":", java.util.Arrays.copyOfRange(groups, 0, bestStart));
        String tail = String.join(":", java.util.Arrays.copyOfRange(groups, bestStart + bestLen, groups.length));
        return head + "::" + tail;
    }

    /**
     * Formats an endpoint as {@code host:port} with the numeric address ({@code [v6]:port} for IPv6).
     *
     * @param address an endpoint
     * @return its text form, parseable by {@link #parseEndpoint(String)}
     */
    public static String format(InetSocketAddress address) {
        if (address == null) {
            return "-";
        }
        InetAddress a = address.getAddress();
        String host = a == null ? address.getHostString() : a.getHostAddress();
        if (host.indexOf(':') >= 0) {
            host = "[" + compress(host) + "]";
        }
        return host + ":" + address.getPort();
    }
}
