package io.meshnode.api.messaging;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Whiteboard handler: register as an OSGi service with the service property {@link #TOPIC} (a string
 * or string array) to receive payloads of those topics from any peer. Called on a mesh thread;
 * implementations must not block. A handler that throws is logged and does not affect the link.
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
