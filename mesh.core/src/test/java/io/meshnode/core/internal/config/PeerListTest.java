package io.meshnode.core.internal.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import io.meshnode.api.config.ConfigValues;

class PeerListTest {
    private static final String PIN = "0123456789abcdef0123456789abcdef01234567";

    @Test
    void addingAppendsOnceAndReplacesAnEntryForTheSameEndpoint() {
        assertEquals("127.0.0.2:7800", PeerList.with("", "127.0.0.2:7800", ConfigValues.parseEndpoint("127.0.0.2:7800")));
        assertEquals("127.0.0.2:7800, 127.0.0.3:7800",
            PeerList.with("127.0.0.2:7800,127.0.0.3:7800", "127.0.0.3:7800", ConfigValues.parseEndpoint("127.0.0.3:7800")));
        assertEquals("127.0.0.2:7800, " + PIN + "@127.0.0.3:7800", PeerList.with("127.0.0.3:7800 127.0.0.2:7800",
            PIN + "@127.0.0.3:7800", ConfigValues.parseEndpoint("127.0.0.3:7800")));
    }

    @Test
    void removingDropsPinnedAndPlainEntriesOfThatEndpointAndKeepsWhatItCannotParse() {
        assertEquals("127.0.0.2:7800, not-an-endpoint", PeerList.without(
            PIN + "@127.0.0.3:7800, 127.0.0.2:7800, not-an-endpoint", ConfigValues.parseEndpoint("127.0.0.3:7800")));
        assertEquals("", PeerList.without(null, ConfigValues.parseEndpoint("127.0.0.3:7800")));
    }
}
