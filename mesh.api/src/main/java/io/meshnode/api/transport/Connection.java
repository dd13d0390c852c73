package io.meshnode.api.transport;

import java.net.InetSocketAddress;
import java.security.PublicKey;
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

    /**
     * The public key the peer proved it holds during the transport's own handshake (for TLS: the key of
     * the certificate the peer presented and signed the handshake with). The owner of the connection
     * checks that this key derives to the identity the peer claims. Valid once the connection is
     * {@linkplain ConnectionHandler#opened opened}.
     * <p>
     * A transport that {@linkplain Transport#authenticates() authenticates} peers returns the key for
     * every connection it opens; a decorating transport must pass it through.
     *
     * @return the peer's verified key, or {@code null} if this connection did not authenticate the peer
     *         (plain TCP)
     * @since 1.1
     */
    default PublicKey peerKey() {
        return null;
    }

    /**
     * @return how the connection is protected, for logs and the console, for example
     *         {@code TLSv1.3 TLS_AES_256_GCM_SHA384}; {@code plain} if it is not
     * @since 1.1
     */
    default String security() {
        return "plain";
    }
}
