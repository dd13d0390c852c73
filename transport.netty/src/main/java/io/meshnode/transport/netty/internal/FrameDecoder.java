package io.meshnode.transport.netty.internal;

import java.nio.ByteOrder;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.TooLongFrameException;

/**
 * Splits the stream into frames: a 4-byte big-endian length, then that many bytes. The length is checked
 * against the maximum as soon as the 4 bytes are read, before anything is allocated for the frame (fail
 * fast: a too-long frame raises {@link io.netty.handler.codec.TooLongFrameException} at once). Remembers the
 * last length read, so that a too-long frame can be reported with its size.
 */
final class FrameDecoder extends LengthFieldBasedFrameDecoder {
    /**
     * The largest first frame of a connection. A connection opens with a hello (or a refusal), a few hundred
     * bytes at most: until it has been read, a peer that nobody has authenticated yet cannot make the node
     * buffer frames of up to frame.max.
     */
    static final int FIRST_FRAME_MAX = 4096;

    long lastLength; // event loop only
    private boolean first = true; // event loop only
    private boolean refused; // event loop only

    FrameDecoder(int frameMax) {
        // Netty's maximum counts the 4-byte prefix too; frame.max is the payload.
        super(frameMax + 4, 0, 4, 0, 4);
    }

    /** @return whether the frame being refused is the connection's first (held to {@link #FIRST_FRAME_MAX}) */
    boolean refusedFirst() {
        return first;
    }

    @Override
    protected Object decode(ChannelHandlerContext ctx, ByteBuf in) throws Exception {
        if (refused) {
            in.skipBytes(in.readableBytes()); // the connection is closing: nothing more is read from it
            return null;
        }
        if (first && in.readableBytes() >= 4 && in.getUnsignedInt(in.readerIndex()) > FIRST_FRAME_MAX) {
            lastLength = in.getUnsignedInt(in.readerIndex());
            refused = true;
            in.skipBytes(in.readableBytes());
            throw new TooLongFrameException("first frame of " + lastLength + " bytes");
        }
        Object frame = super.decode(ctx, in);
        if (frame != null) {
            first = false;
        }
        return frame;
    }

    @Override
    protected long getUnadjustedFrameLength(ByteBuf buf, int offset, int length, ByteOrder order) {
        lastLength = super.getUnadjustedFrameLength(buf, offset, length, order);
        return lastLength;
    }
}
