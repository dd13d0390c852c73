package io.meshnode.api.messaging;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard handler: register as an OSGi service with the service property {@link #TOPIC} (a string
 * or string array) to receive payloads of those topics from any peer.
 * <p>
 * Each handler is called on a thread of its own, never on the mesh's thread or a network thread, one
 * payload at a time and in the order they arrived from each peer. Its queue is bounded: while a handler is
 * behind, further payloads for it are dropped, counted per topic ({@code mesh:status}) and logged, and
 * nothing else waits for it: a slow or blocking handler delays only itself. A handler that throws is
 * logged and does not affect the link. A handler may send through {@link Messaging} (a component may both
 * handle topics and reference {@code Messaging}: the mesh gets the handler object only when the first
 * payload for it arrives).
 */
@ConsumerType
public interface MessageHandler {

    /** Service property naming the topics a handler receives. */
    String TOPIC = "meshnode.topic";

    /**
     * @param peerId the sender's node id
     * @param topic the topic
     * @param payload the bytes, owned by the callee
     */
    void onMessage(String peerId, String topic, byte[] payload);
}
