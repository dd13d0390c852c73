package io.meshnode.api.transport;

import java.net.InetSocketAddress;
import java.security.PublicKey;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * One full-duplex, framed connection, as handed out by a {@link Transport}.
 * <p>
 * A new connection is <em>provisional</em>: the transport closes it with
 * {@link CloseReason#HANDSHAKE_TIMEOUT} unless its owner calls {@link #established()} within the
 * transport's handshake timeout. All methods are thread-safe and never block.
 * <p>
 * <b>Flow control</b> (since 1.2). Frames are of two kinds:
 * <ul>
 * <li><em>data</em> ({@link #send}): application traffic. It waits in a per-connection queue in front of the
 * socket and is handed to the socket only as fast as the peer takes it. The bytes waiting are bounded by the
 * connection's <em>outbound budget</em>: a frame that would pass it is refused at once with an
 * {@link OverBudgetException} (reserve capacity or fail), so the memory held toward a peer that stops reading
 * is bounded by the budget plus a constant. {@link #isWritable()} turns {@code false} well before the budget
 * is reached, and {@link ConnectionHandler#writabilityChanged} tells the owner when it changes.</li>
 * <li><em>control</em> ({@link #sendControl}): pings, pongs, goodbyes, refusals. Never queued behind data: a
 * control frame waits at most behind what the transport has already handed to the socket. Control frames have
 * their own small hard cap; a peer that lets them pile up past it is closed with
 * {@link CloseReason#OVERLOADED}.</li>
 * </ul>
 * Closing never waits on the peer: {@link #close(CloseReason, String)} is immediate, and
 * {@link #close(CloseReason, String, byte[])} writes one last frame ahead of the data still queued and closes
 * once it is written or a short deadline has passed. Inbound, the owner can stop reading a connection while it
 * is behind ({@link #pauseReads()}, {@link #resumeReads()}).
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
     * Queues one data frame for sending, behind the data frames queued before it. The caller hands the array
     * over and must not change it afterwards.
     * <p>
     * Since 1.2: if the bytes of data waiting to be written to the peer plus this frame would pass the
     * connection's outbound budget, the frame is refused at once: the returned stage is already failed with an
     * {@link OverBudgetException} and nothing was queued. A frame is never refused when no data is waiting, so
     * any frame up to the maximum frame size can be sent on an idle connection.
     *
     * @param frame the payload of one frame; the transport adds the length prefix
     * @return completes when the frame was written to the socket; fails if the connection is
     *         closed (also when it closes while the frame waits), the frame exceeds the maximum frame size,
     *         the frame is over the budget, or the write fails
     */
    CompletionStage<Void> send(byte[] frame);

    /**
     * Sends one control frame (a ping, a pong, a goodbye, a refusal) ahead of every data frame still queued:
     * it waits at most behind the bytes the transport has already handed to the socket, never behind the data
     * queue. Control frames keep their order among themselves.
     * <p>
     * Control frames are not counted against the outbound budget but have a small hard cap of their own: if
     * the control bytes waiting to be written pass it, the peer is not reading, and the connection is closed
     * with {@link CloseReason#OVERLOADED} (the returned stage fails).
     * <p>
     * The default implementation, for transports written against 1.1, is {@link #send(byte[])}.
     *
     * @param frame the payload of one frame; the transport adds the length prefix
     * @return completes when the frame was written to the socket; fails as {@link #send} does, or when the
     *         cap on control bytes was passed
     * @since 1.2
     */
    default CompletionStage<Void> sendControl(byte[] frame) {
        return send(frame);
    }

    /**
     * @return the largest frame payload this connection sends or accepts (the transport's {@code frame.max}); the
     *         mesh announces it in its hello, and the two nodes of a link send at most the smaller of their limits.
     *         The default implementation, for transports that do not say, returns {@link Integer#MAX_VALUE}.
     * @since 1.2
     */
    default int maxFrameSize() {
        return Integer.MAX_VALUE;
    }

    /**
     * @return the bytes of frames (data and control) accepted by {@link #send} and {@link #sendControl} and not
     *         yet written to the socket. Bounded by the outbound budget plus the control cap plus one frame.
     *         The default implementation, for transports that do not count, returns 0.
     * @since 1.2
     */
    default long pendingBytes() {
        return 0;
    }

    /**
     * @return {@code false} while the data waiting to be written to the peer is above the transport's high-water
     *         mark, until it falls to the low-water mark again: callers that can drop or defer data should do so
     *         until {@link ConnectionHandler#writabilityChanged} reports it writable. Sends still succeed while
     *         unwritable, up to the outbound budget.
     */
    boolean isWritable();

    /**
     * Stops reading from the connection until {@link #resumeReads()}: the peer's frames stay in the kernel's
     * buffers, then TCP flow control slows the peer down. For an owner that has too many of this connection's
     * frames not yet handled. Frames the transport has read already (at most one read's worth) may still be
     * delivered after this call. While reads are paused the transport may notice that the peer closed only when
     * reads resume. Idempotent.
     * <p>
     * The default implementation, for transports written against 1.1, does nothing: they read on.
     *
     * @since 1.2
     */
    default void pauseReads() {
        // reads on
    }

    /**
     * Reads from the connection again after {@link #pauseReads()}. Idempotent.
     *
     * @since 1.2
     */
    default void resumeReads() {
        // never paused
    }

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
     * Closes the connection after one last frame (a goodbye, a refusal), without waiting on the peer.
     * <p>
     * At once: the connection counts as closed ({@link #isOpen()} is {@code false}, sends fail), and the data
     * frames still queued are discarded (their stages fail). The last frame is written ahead of them, behind
     * only what the transport already handed to the socket. The socket is closed as soon as the last frame is
     * written, or when the transport's close deadline (short, about a second) passes, whichever comes first; a
     * peer that does not read cannot keep the connection open longer. Idempotent with {@link #close(CloseReason,
     * String)}: only the first reason is reported to the handler, and a connection already closing sends no last
     * frame.
     * <p>
     * The default implementation, for transports written against 1.1, sends the frame with
     * {@link #sendControl(byte[])} and closes when that completes or after one second.
     *
     * @param reason why
     * @param detail a human-readable detail for logs and the console, may be empty
     * @param lastFrame the payload of the last frame; not sent if it exceeds the maximum frame size
     * @return completes when the socket is closed (the default implementation: when close was called)
     * @since 1.2
     */
    default CompletionStage<Void> close(CloseReason reason, String detail, byte[] lastFrame) {
        CompletableFuture<Void> written = new CompletableFuture<>();
        if (!isOpen()) {
            close(reason, detail);
            return CompletableFuture.completedFuture(null);
        }
        sendControl(lastFrame).whenComplete((v, e) -> written.complete(null));
        return written.completeOnTimeout(null, 1, TimeUnit.SECONDS).thenRun(() -> close(reason, detail));
    }

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
