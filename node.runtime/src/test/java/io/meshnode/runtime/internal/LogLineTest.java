package io.meshnode.runtime.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.osgi.service.log.LogLevel;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

class LogLineTest {
    private static final long T = 1_700_000_000_123L; // 2023-11-14T22:13:20.123Z

    /** Parses one JSON object of string fields with a strict parser, failing on anything after it. */
    private static Map<String, String> parse(String line) throws Exception {
        Map<String, String> fields = new LinkedHashMap<>();
        // as written to the file: UTF-8 bytes
        try (JsonParser p = new JsonFactory().createParser(line.getBytes(StandardCharsets.UTF_8))) {
            assertEquals(JsonToken.START_OBJECT, p.nextToken());
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                assertEquals(JsonToken.VALUE_STRING, p.nextToken(), name);
                fields.put(name, p.getText());
            }
            assertEquals(JsonToken.END_OBJECT, p.currentToken());
            assertNull(p.nextToken(), "one object a line");
        }
        return fields;
    }

    @Test
    void jsonHasTimeLevelBundleAndMessage() throws Exception {
        String line = new LogLine(T, LogLevel.INFO, "mesh.core", "listening on 127.0.0.2:7800", null).json();
        assertEquals(Map.of("time", "2023-11-14T22:13:20.123Z", "level", "INFO", "bundle", "mesh.core", "message",
            "listening on 127.0.0.2:7800"), parse(line));
        assertEquals("time", parse(line).keySet().iterator().next());
    }

    @Test
    void escapingKeepsEveryCharacterAndTheLineWhole() throws Exception {
        String nasty = "quote \" backslash \\ newline \n return \r tab \t bell \u0007 nul \u0000 del \u007f"
            + " unicode é → 🙂 braces {} slash /";
        String line = new LogLine(T, LogLevel.WARN, "org.apache.sshd.osgi", nasty, "java.io.IOException: \"x\"\n").json();
        assertFalse(line.contains("\n") || line.contains("\r"), line);
        Map<String, String> fields = parse(line);
        assertEquals(nasty, fields.get("message"));
        assertEquals("java.io.IOException: \"x\"\n", fields.get("exception"));
    }

    @Test
    void loneSurrogatesAreEscapedSoTheUtf8LineStaysValid() throws Exception {
        String broken = "half \ud83d of an emoji, and \ude42 the other half";
        String line = new LogLine(T, LogLevel.INFO, "b", broken, null).json();
        assertTrue(line.contains("\\ud83d") && line.contains("\\ude42"), line);
        assertEquals(broken, parse(line).get("message"));
    }

    @Test
    void peerIsTheOnePeerAMessageNames() throws Exception {
        String transition = "peer 6ca68e090baa@127.0.0.3:7800 CONNECTED → BACKOFF: TIMEOUT 3 consecutive pings unanswered";
        assertEquals("6ca68e090baa", parse(new LogLine(T, LogLevel.INFO, "mesh.core", transition, null).json()).get("peer"));
        assertEquals("6ca68e090baa", LogLine.peer("operator reconnect of 6ca68e090baa0123456789abcdef0123456789ab@[::1]:7800"));
        assertEquals("6ca68e090baa", LogLine.peer("6ca68e090baa@node-b.example:7800 again 6ca68e090baa@10.0.0.1:7800"));
        assertEquals("b05542d68b6e", LogLine.peer("hello from b05542d68b6e@host.example:7800."));
    }

    @Test
    void noPeerWhenNoneOrSeveralOrOnlyLookalikes() throws Exception {
        assertNull(LogLine.peer("listening on 127.0.0.2:7800"));
        assertNull(LogLine.peer("duplicate: 6ca68e090baa@127.0.0.3:7800 and b05542d68b6e@127.0.0.4:7800"));
        assertNull(LogLine.peer("user meshnode@127.0.0.1:7801 failed")); // not hex
        assertNull(LogLine.peer("x6ca68e090baa@127.0.0.3:7800")); // part of a longer word
        assertNull(LogLine.peer("6ca68e090@127.0.0.3:7800")); // too short for an id
        assertFalse(parse(new LogLine(T, LogLevel.INFO, "b", "no peer here", null).json()).containsKey("peer"));
    }

    @Test
    void textIsTheExistingFormat() {
        String text = new LogLine(T, LogLevel.ERROR, "node.runtime", "bad", "java.io.IOException: x").text();
        assertTrue(text.matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.123 ERROR \\[node.runtime] bad : java.io.IOException: x"),
            text);
    }
}
