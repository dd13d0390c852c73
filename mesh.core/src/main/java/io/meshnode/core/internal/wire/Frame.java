package io.meshnode.core.internal.wire;

import java.net.InetSocketAddress;

import io.meshnode.api.topology.NodeRole;

/**
 * One parsed mesh frame. {@link Protocol#parse} turns a peer's bytes into exactly one of these or refuses
 * them; everything a peer supplied as text is already made printable.
 */
public sealed interface Frame {

    /**
     * The first frame each side sends.
     *
     * @param version the sender's protocol version; when it is not {@link Protocol#VERSION} the other fields
     *            are {@code null} (a different version may lay out the rest differently)
     */
    record Hello(int version, String id, NodeRole role, InetSocketAddress listen) implements Frame {
        public boolean supported() {
            return version == Protocol.VERSION;
        }
    }

    /** Sent instead of a hello or after one: this side will not link, and why. */
    record Refuse(String reason) implements Frame {}

    /** Sent before an intentional close: the {@code CloseReason} name and a detail. */
    record Goodbye(String reason, String detail) implements Frame {}

    /** A heartbeat or operator ping; answered with a {@link Pong} carrying the same values. */
    record Ping(long nonce, long sentNanos) implements Frame {}

    /** The answer to a {@link Ping}. */
    record Pong(long nonce, long sentNanos) implements Frame {}

    /** Application data for the handlers of {@code topic}. */
    record Data(String topic, byte[] payload) implements Frame {}
}
