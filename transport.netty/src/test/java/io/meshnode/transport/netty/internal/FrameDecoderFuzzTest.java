package io.meshnode.transport.netty.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.codec.TooLongFrameException;

/**
 * The frame decoder against arbitrary bytes arriving in arbitrary pieces: it yields frames no larger than
 * the maximum, whose prefixes account for every byte consumed, or fails with a too-long frame and nothing
 * else; and frames the transport writes come back unchanged however the stream is cut. Saved inputs
 * ({@code src/test/resources/.../FrameDecoderFuzzTestInputs}) replay in every build.
 */
class FrameDecoderFuzzTest {
    private static final int MAX = 1024;

    @FuzzTest(maxDuration = "30m", maxExecutions = 10_000_000)
    void arbitraryStreams(FuzzedDataProvider data) {
        EmbeddedChannel ch = new EmbeddedChannel(new FrameDecoder(MAX));
        long fed = 0;
        long decoded = 0;
        try {
            while (data.remainingBytes() > 0) {
                byte[] piece = data.consumeBytes(data.consumeInt(1, 64));
                fed += piece.length;
                ch.writeInbound(Unpooled.wrappedBuffer(piece));
                for (ByteBuf f; (f = ch.readInbound()) != null;) {
                    assertTrue(f.readableBytes() <= (decoded == 0 ? Math.min(MAX, FrameDecoder.FIRST_FRAME_MAX) : MAX),
                        "frame of " + f.readableBytes());
                    decoded += 4 + f.readableBytes();
                    f.release();
                }
            }
        } catch (TooLongFrameException expected) {
            return; // the connection closes on this
        } finally {
            ch.finishAndReleaseAll();
        }
        assertTrue(decoded <= fed, decoded + " decoded from " + fed);
    }

    @FuzzTest(maxDuration = "30m", maxExecutions = 10_000_000)
    void writtenFramesComeBackWhole(FuzzedDataProvider data) {
        List<byte[]> frames = new ArrayList<>();
        EmbeddedChannel writer = new EmbeddedChannel(new LengthFieldPrepender(4));
        while (data.remainingBytes() > 1 && frames.size() < 32) {
            byte[] f = data.consumeBytes(data.consumeInt(0, MAX));
            frames.add(f);
            writer.writeOutbound(Unpooled.wrappedBuffer(f));
        }
        ByteBuf wire = Unpooled.buffer();
        for (Object o; (o = writer.readOutbound()) != null;) {
            wire.writeBytes((ByteBuf) o);
            ((ByteBuf) o).release();
        }
        EmbeddedChannel reader = new EmbeddedChannel(new FrameDecoder(MAX));
        int cut = 1 + (frames.isEmpty() ? 0 : frames.get(0).length % 7);
        while (wire.isReadable()) {
            reader.writeInbound(wire.readRetainedSlice(Math.min(cut, wire.readableBytes())));
        }
        wire.release();
        for (byte[] expected : frames) {
            ByteBuf got = reader.readInbound();
            assertArrayEquals(expected, ByteBufUtil.getBytes(got));
            got.release();
        }
        assertTrue(reader.inboundMessages().isEmpty());
        reader.finishAndReleaseAll();
        writer.finishAndReleaseAll();
    }
}
