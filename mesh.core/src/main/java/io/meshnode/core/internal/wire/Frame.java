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
    /**
     * @param version the newest protocol version the sender speaks
     * @param minVersion the oldest; when the two ranges do not meet, the other fields are {@code null} or 0 (the
     *            sender may lay out the rest differently)
     * @param frameMax the largest frame the sender accepts
     * @param capabilities the sender's capabilities ({@link Protocol#CAP_DATA} …)
     * @param topology the name of the topology that shapes the sender's mesh, for operators
     */
    record Hello(int version, int minVersion, String id, NodeRole role, InetSocketAddress listen, int frameMax,
        long capabilities, String topology) implements Frame {

        /** @return the version this node and the sender speak: the highest both do, or -1 if there is none */
        public int agreed(int ourMin, int ourMax) {
            int v = Math.min(version, ourMax);
            return v >= Math.max(minVersion, ourMin) && id != null ? v : -1;
        }

        public boolean supported() {
            return agreed(Protocol.MIN_VERSION, Protocol.VERSION) > 0;
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

    /** A frame type this build does not know: skipped from a peer that speaks a newer version, else an error. */
    record Unknown(byte type) implements Frame {}

    /** Application data for the handlers of {@code topic}. */
    record Data(String topic, byte[] payload) implements Frame {}
}
