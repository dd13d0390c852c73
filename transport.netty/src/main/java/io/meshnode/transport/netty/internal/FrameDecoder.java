package io.meshnode.transport.netty.internal;

import java.nio.ByteOrder;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;

/**
 * Splits the stream into frames: a 4-byte big-endian length, then that many bytes. The length is checked
 * against the maximum as soon as the 4 bytes are read, before anything is allocated for the frame (fail
 * fast: a too-long frame raises {@link io.netty.handler.codec.TooLongFrameException} at once). Remembers the
 * last length read, so that a too-long frame can be reported with its size.
 */
final class FrameDecoder extends LengthFieldBasedFrameDecoder {
    long lastLength; // event loop only

    FrameDecoder(int frameMax) {
        // Netty's maximum counts the 4-byte prefix too; frame.max is the payload.
        super(frameMax + 4, 0, 4, 0, 4);
    }

    @Override
    protected long getUnadjustedFrameLength(ByteBuf buf, int offset, int length, ByteOrder order) {
        lastLength = super.getUnadjustedFrameLength(buf, offset, length, order);
        return lastLength;
    }
}
