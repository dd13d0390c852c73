package io.meshnode.core.internal.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** A connection's last topic is decoded and checked once; every other frame is parsed as {@link Protocol#parse} does. */
class TopicMemoTest {
    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theSameTopicIsDecodedOnceAndAnyOtherOneAsTheParserDoes() throws Exception {
        Protocol.TopicMemo memo = new Protocol.TopicMemo();
        Frame.Data first = Protocol.parseData(Protocol.data("blocks", bytes("1")), memo);
        Frame.Data second = Protocol.parseData(Protocol.data("blocks", bytes("22")), memo);
        assertSame(first.topic(), second.topic(), "the remembered topic");
        assertArrayEquals(bytes("22"), second.payload());
        // a topic that starts like the remembered one, or is a prefix of it, is not taken for it
        assertEquals("blocksX", Protocol.parseData(Protocol.data("blocksX", bytes("3")), memo).topic());
        assertEquals("block", Protocol.parseData(Protocol.data("block", bytes("4")), memo).topic());
        assertEquals("tx", Protocol.parseData(Protocol.data("tx", new byte[0]), memo).topic());
        Frame.Data empty = Protocol.parseData(Protocol.data("tx", new byte[0]), memo);
        assertEquals(0, empty.payload().length);
        // what the parser refuses is refused here too, remembered topic or not
        byte[] control = Protocol.data("tx", bytes("5"));
        control[3] = 7; // the topic's first byte a control character
        assertThrows(ProtocolException.class, () -> Protocol.parseData(control, memo));
        assertThrows(ProtocolException.class, () -> Protocol.parseData(new byte[] {Protocol.DATA, 0, 9, 'a'}, memo));
        assertThrows(ProtocolException.class, () -> Protocol.parseData(Protocol.ping(1, 2), memo));
        assertThrows(IllegalArgumentException.class, () -> Protocol.topic(""));
    }
}
