package io.meshnode.api.transport;

import java.net.InetSocketAddress;
import java.security.KeyPair;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Receives the events of connections. Implemented by the owner of the connections (the mesh).
 * <p>
 * Callbacks run on the transport's I/O threads: they must return quickly and never block. For one
 * connection they are called in order: {@link #opened} once, then {@link #frame} and
 * {@link #writabilityChanged} zero or more times, then {@link #closed} exactly once.
 */
@ConsumerType
public interface ConnectionHandler {

    /**
     * A connection was accepted or a dial completed.
     *
     * @param connection the new, provisional connection
     */
    void opened(Connection connection);

    /**
     * One complete frame arrived.
     *
     * @param connection the connection it arrived on
     * @param frame the payload, without the length prefix; owned by the callee
     */
    void frame(Connection connection, byte[] frame);

    /**
     * The connection closed. Called exactly once per opened connection.
     *
     * @param connection the closed connection
     * @param reason why it closed
     * @param detail a human-readable detail, may be empty
     */
    void closed(Connection connection, CloseReason reason, String detail);

    /**
     * The key pair this side proves its identity with on the connections of this handler. A transport
     * that {@linkplain Transport#authenticates() authenticates} peers presents a certificate for this
     * key, and fails the connection (before {@link #opened}) when there is none. Called on I/O threads;
     * must be cheap.
     *
     * @return the local key pair, or {@code null} if this side has none
     * @since 1.1
     */
    default KeyPair identity() {
        return null;
    }

    /**
     * Asked for every accepted connection before the transport does any work for it (no handshake, no
     * buffer). Called on an I/O thread: must be cheap and never block.
     *
     * @param remote the source address of the new connection
     * @return {@code false} to close it at once, for example because the source is banned
     * @since 1.1
     */
    default boolean accept(InetSocketAddress remote) {
        return true;
    }

    /**
     * A connection failed before it was {@linkplain #opened opened}: its security handshake failed or
     * timed out, or it was refused. Such a connection is never opened; this is its only event. Not called
     * for connections closed by {@link #accept} returning {@code false} or by the transport's own caps.
     *
     * @param remote the peer's address
     * @param reason why it failed
     * @param detail a human-readable detail, may be empty
     * @since 1.1
     */
    default void rejected(InetSocketAddress remote, CloseReason reason, String detail) {
        // nothing by default
    }

    /**
     * The connection's {@link Connection#isWritable()} changed: {@code false} when the data waiting for the
     * peer passed the high-water mark, {@code true} when it drained to the low-water mark. Calls for one
     * connection alternate, starting with {@code false} (a connection opens writable), and carry the value
     * that held when the call was made; a short-lived change may be coalesced away. Never called after
     * {@link #closed}. Called on an I/O thread: must be cheap and never block, but may send.
     * <p>
     * Transports written against 1.1 never call it.
     *
     * @param connection the connection
     * @param writable the new value of {@link Connection#isWritable()}
     * @since 1.2
     */
    default void writabilityChanged(Connection connection, boolean writable) {
        // nothing by default
    }
}
