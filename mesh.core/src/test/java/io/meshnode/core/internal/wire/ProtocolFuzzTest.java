package io.meshnode.core.internal.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;

import io.meshnode.core.internal.wire.Frame.Hello;

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
        if (h.supported() && h.version() <= Protocol.VERSION) {
            // What the node would send for these values parses back to the same values.
            try {
                assertEquals(h, Protocol.parseHello(Protocol.hello(h)));
            } catch (ProtocolException e) {
                throw new AssertionError("a hello the node encodes does not parse: " + e.getMessage(), e);
            }
        }
    }

    /** Every frame through the mesh's one parser, {@link Protocol#parse}: the dispatcher calls nothing else. */
    @FuzzTest(maxDuration = "30m", maxExecutions = 10_000_000)
    void anyFrame(byte[] frame) {
        try {
            Frame f = Protocol.parse(frame);
            if (f instanceof Frame.Data d) {
                // What a node accepts it could have sent.
                assertEquals(d.topic(), ((Frame.Data) Protocol.parse(Protocol.data(d.topic(), d.payload()))).topic());
            }
        } catch (ProtocolException refused) {
            // closes that link only
        }
    }
}
