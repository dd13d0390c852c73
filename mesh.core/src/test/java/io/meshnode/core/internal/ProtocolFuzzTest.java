package io.meshnode.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;

import io.meshnode.core.internal.Protocol.Hello;
import io.meshnode.core.internal.Protocol.ProtocolException;

/**
 * The hello parser and every frame parser the mesh runs on a peer's bytes: arbitrary input is either
 * parsed or refused with a {@link ProtocolException} (which closes that link), never any other exception;
 * a parsed hello re-encodes to the same bytes. Saved inputs ({@code ProtocolFuzzTestInputs}) replay in
 * every build.
 */
class ProtocolFuzzTest {

    @FuzzTest(maxDuration = "30m", maxExecutions = 10_000_000)
    void hello(byte[] body) {
        byte[] frame = new byte[body.length + 1];
        frame[0] = Protocol.HELLO;
        System.arraycopy(body, 0, frame, 1, body.length);
        Hello h;
        try {
            h = Protocol.parseHello(frame);
        } catch (ProtocolException refused) {
            return;
        }
        if (h.version == Protocol.VERSION) {
            // What the node would send for these values parses back to the same values.
            try {
                Hello again = Protocol.parseHello(Protocol.hello(h.id, h.role, h.listen));
                assertEquals(h.id, again.id);
                assertEquals(h.role, again.role);
                assertEquals(h.listen, again.listen);
            } catch (ProtocolException e) {
                throw new AssertionError("a hello the node encodes does not parse: " + e.getMessage(), e);
            }
        }
    }

    /** Dispatches one frame the way MeshEngine.frame does. */
    @FuzzTest(maxDuration = "30m", maxExecutions = 10_000_000)
    void anyFrame(byte[] frame) {
        if (frame.length == 0) {
            return; // refused before parsing: "empty frame"
        }
        try {
            switch (frame[0]) {
                case Protocol.HELLO -> Protocol.parseHello(frame);
                case Protocol.REFUSE -> Protocol.parseString(frame);
                case Protocol.GOODBYE -> assertEquals(2, Protocol.parseGoodbye(frame).length);
                case Protocol.PING, Protocol.PONG -> Protocol.parsePing(frame);
                case Protocol.DATA -> {
                    String topic = Protocol.dataTopic(frame);
                    Protocol.dataPayload(frame, topic);
                }
                default -> {
                    // unknown type: a ProtocolException in the engine
                }
            }
        } catch (ProtocolException refused) {
            // closes that link only
        }
    }
}
