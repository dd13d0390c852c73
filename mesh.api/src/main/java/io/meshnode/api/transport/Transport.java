package io.meshnode.api.transport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletionStage;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Moves length-prefixed frames over full-duplex stream connections.
 * <p>
 * A transport bounds everything a peer can make it hold: the size of one frame (larger frames close
 * that connection with {@link CloseReason#FRAME_TOO_LARGE}), the time to complete a handshake (see
 * {@link Connection#established()}), the time to connect, and what waits to be written to each connection
 * (since 1.2: an outbound budget for data, a hard cap for control frames and a deadline for the last frame of a
 * close; see {@link Connection}).
 * When the transport service goes away, every connection it opened is closed with
 * {@link CloseReason#SHUTDOWN}.
 * <p>
 * Providers register this interface as an OSGi service, with a {@code service.ranking} if they are
 * meant to replace the default one.
 */
@ConsumerType
public interface Transport {

    /**
     * Starts listening.
     *
     * @param address the local address to bind, port 0 for any free port
     * @param handler receives every accepted connection
     * @return the bound listener
     * @throws IOException if the address cannot be bound
     */
    Listener listen(InetSocketAddress address, ConnectionHandler handler) throws IOException;

    /**
     * Dials a peer.
     *
     * @param remote the peer's listen address
     * @param local the local address to bind before connecting (port 0), so that the link is seen
     *            between the two nodes' own addresses; {@code null} to let the system choose
     * @param handler receives the connection's events once it is open
     * @return completes with the open, provisional connection; fails if the connection cannot be
     *         made within the transport's connect timeout
     */
    CompletionStage<Connection> connect(InetSocketAddress remote, InetSocketAddress local, ConnectionHandler handler);

    /**
     * @return {@code true} if every connection this transport opens has authenticated the peer's key
     *         ({@link Connection#peerKey()} is never {@code null}); {@code false} for plain transports
     * @since 1.1
     */
    default boolean authenticates() {
        return false;
    }
}
