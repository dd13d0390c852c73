package io.meshnode.api.transport;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletionStage;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * One full-duplex, framed connection, as handed out by a {@link Transport}.
 * <p>
 * A new connection is <em>provisional</em>: the transport closes it with
 * {@link CloseReason#HANDSHAKE_TIMEOUT} unless its owner calls {@link #established()} within the
 * transport's handshake timeout. All methods are thread-safe and never block.
 */
@ConsumerType
public interface Connection {

    /** @return an identifier unique among the connections of this transport instance */
    long id();

    /** @return who dialed */
    Direction direction();

    /** @return the remote socket address */
    InetSocketAddress remoteAddress();

    /** @return the local socket address */
    InetSocketAddress localAddress();

    /**
     * Queues one frame for sending.
     *
     * @param frame the payload of one frame; the transport adds the length prefix
     * @return completes when the frame was written to the socket; fails if the connection is
     *         closed, the frame exceeds the maximum frame size, or the write fails
     */
    CompletionStage<Void> send(byte[] frame);

    /**
     * @return {@code false} while the outbound buffer is above its high-water mark: callers that can
     *         drop or defer data should do so until it drains
     */
    boolean isWritable();

    /** Ends the provisional phase: the handshake succeeded and the handshake timeout no longer applies. */
    void established();

    /** @return {@code true} until the connection is closed */
    boolean isOpen();

    /**
     * Closes the connection. Idempotent: only the first reason is reported to the handler.
     *
     * @param reason why
     * @param detail a human-readable detail for logs and the console, may be empty
     */
    void close(CloseReason reason, String detail);
}
