package io.meshnode.runtime.internal;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.osgi.service.log.LogLevel;

/** One log entry as a line of {@code data/log/meshnode.log} (and stdout): the text format or one JSON object. */
record LogLine(long time, LogLevel level, String bundle, String message, String exception) {
    private static final DateTimeFormatter TEXT_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS")
        .withZone(ZoneId.systemDefault());
    private static final DateTimeFormatter JSON_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX")
        .withZone(ZoneOffset.UTC);
    /** A peer as the mesh names it in its log lines: 12 (or up to 40) hex digits of its id, {@code @host:port}. */
    private static final Pattern PEER = Pattern.compile(
        "(?<![0-9A-Za-z])([0-9a-f]{12,40})@(?:\\[[0-9A-Fa-f:.]+\\]|[0-9A-Za-z.-]+):[0-9]{1,5}(?![0-9])");

    String text() {
        return TEXT_TIME.format(Instant.ofEpochMilli(time)) + " " + level + " [" + bundle + "] " + message
            + (exception == null ? "" : " : " + exception);
    }

    /** {@code {"time":…,"level":…,"bundle":…,"message":…[,"peer":…][,"exception":…]}}, on one line. */
    String json() {
        StringBuilder b = new StringBuilder(message.length() + 96);
        b.append("{\"time\":\"").append(JSON_TIME.format(Instant.ofEpochMilli(time))).append('"');
        field(b, "level", level.name());
        field(b, "bundle", bundle);
        field(b, "message", message);
        String peer = peer(message);
        if (peer != null) {
            field(b, "peer", peer);
        }
        if (exception != null) {
            field(b, "exception", exception);
        }
        return b.append('}').toString();
    }

    /** The id prefix of the one peer a message names ({@code 6ca68e090baa@127.0.0.3:7800}); null for none or several. */
    static String peer(String message) {
        Matcher m = PEER.matcher(message);
        String found = null;
        while (m.find()) {
            String id = m.group(1).substring(0, 12);
            if (found != null && !found.equals(id)) {
                return null;
            }
            found = id;
        }
        return found;
    }

    private static void field(StringBuilder b, String name, String value) {
        b.append(",\"").append(name).append("\":\"");
        escape(b, value);
        b.append('"');
    }

    /** JSON string escaping (RFC 8259); lone surrogates are escaped too, so the UTF-8 line stays valid. */
    static void escape(StringBuilder b, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> {
                    boolean paired = Character.isHighSurrogate(c) && i + 1 < s.length()
                        && Character.isLowSurrogate(s.charAt(i + 1));
                    if (paired) {
                        b.append(c).append(s.charAt(++i));
                    } else if (c < 0x20 || Character.isSurrogate(c) || c == 0x7f) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
    }
}
