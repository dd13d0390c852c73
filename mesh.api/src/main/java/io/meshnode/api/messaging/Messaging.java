package io.meshnode.api.messaging;

import java.util.Map;
import java.util.concurrent.CompletionStage;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Sends application payloads over the mesh links. Delivery is in order per peer and at most once:
 * a payload sent while a link drops may be lost, and the returned stage says so.
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
     *         {@link IllegalStateException} if the peer is not connected, or
     *         {@link IllegalArgumentException} if the peer is unknown or the topic or payload invalid
     */
    CompletionStage<Void> send(String peer, String topic, byte[] payload);

    /**
     * Sends to every connected peer.
     *
     * @param topic the topic
     * @param payload the bytes
     * @return one stage per peer id the payload was sent to
     */
    Map<String, CompletionStage<Void>> broadcast(String topic, byte[] payload);
}
