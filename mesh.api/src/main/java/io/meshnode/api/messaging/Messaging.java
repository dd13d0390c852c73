package io.meshnode.api.messaging;

import java.util.Map;
import java.util.concurrent.CompletionStage;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Sends application payloads over the mesh links.
 * <ul>
 * <li><b>Completion.</b> A stage completes when the frame has been written to the local socket: handed to
 * the kernel, not received or handled by the peer. There is no acknowledgement.</li>
 * <li><b>Threads.</b> {@link #send} and {@link #broadcast} run on the caller's thread and write to the peer's
 * link directly: they never wait for the mesh thread or the network, and any number of threads may call them at
 * once. A peer named other than by its whole id (an id prefix, {@code host:port}) is first looked up on the mesh
 * thread, a short wait; name peers by id (as {@link #broadcast}'s keys and the {@code Mesh} service give them) on a
 * hot path.</li>
 * <li><b>Ordering.</b> Payloads to one peer arrive in the order the sends were made, over one link: the sends of
 * one thread, or of several threads that order their calls among themselves (a send that returned before another
 * was made arrives first). Sends made at the same moment from threads that do not coordinate have no order among
 * them. There is no order across peers.</li>
 * <li><b>Loss.</b> Delivery is at most once. When a link closes or is replaced (a reconnect, a transport
 * swap, a duplicate resolved, a mesh.core update), payloads still queued on it fail with an
 * {@link java.io.IOException}, and a send made while the link is closing fails at once with
 * {@link IllegalStateException}; nothing is sent again over the new link. Order holds over one link: when two
 * links to a peer overlap (a duplicate being resolved), what the old one had already written may arrive after the
 * first payloads of the new one.</li>
 * <li><b>Back-pressure.</b> Each link has an outbound budget ({@code outbound.budget} in
 * {@code etc/meshnode.transport.cfg}). Past it a send fails at once with
 * {@code io.meshnode.api.transport.OverBudgetException} (peer, bytes queued, budget), nothing is queued, and
 * the link stays up; {@link #whenWritable} says when to send again. Memory toward a peer that stops reading is
 * bounded by that budget.</li>
 * <li><b>Size.</b> A payload (with its topic) larger than the smaller {@code frame.max} of the two nodes fails
 * locally with {@link IllegalArgumentException}; the link stays up.</li>
 * </ul>
 */
@ProviderType
public interface Messaging {

    /** Longest topic, in UTF-8 bytes. */
    int MAX_TOPIC_BYTES = 255;

    /**
     * @param peer a peer reference (id, unique id prefix, or {@code host:port})
     * @param topic the topic, 1 to {@link #MAX_TOPIC_BYTES} UTF-8 bytes
     * @param payload the bytes to deliver
     * @return completes when written to the peer's socket; fails with
     *         {@link IllegalStateException} if the peer is not connected,
     *         {@code io.meshnode.api.transport.OverBudgetException} if its link's outbound budget is full, or
     *         {@link IllegalArgumentException} if the peer is unknown or the topic or payload invalid
     */
    CompletionStage<Void> send(String peer, String topic, byte[] payload);

    /**
     * Sends to every connected peer.
     *
     * @param topic the topic
     * @param payload the bytes
     * @return one stage per connected peer id: a peer skipped because its link is over budget (or the payload
     *         is over its {@code frame.max}) has a stage failed at once with the reason
     */
    Map<String, CompletionStage<Void>> broadcast(String topic, byte[] payload);

    /**
     * @param peer a peer reference (id, unique id prefix, or {@code host:port})
     * @return completes when the peer's link can take data again (at once if it can now); fails if the peer is
     *         not connected or its link closes first
     * @since 1.1
     */
    CompletionStage<Void> whenWritable(String peer);
}
