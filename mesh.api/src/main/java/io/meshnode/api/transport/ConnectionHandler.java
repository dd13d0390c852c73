package io.meshnode.api.transport;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Receives the events of connections. Implemented by the owner of the connections (the mesh).
 * <p>
 * Callbacks run on the transport's I/O threads: they must return quickly and never block. For one
 * connection they are called in order: {@link #opened} once, then {@link #frame} zero or more times,
 * then {@link #closed} exactly once.
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
}
