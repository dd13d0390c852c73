package io.meshnode.core.internal.engine;

import java.net.InetSocketAddress;

import io.meshnode.api.topology.NodeRef;
import io.meshnode.api.topology.Topology;
import io.meshnode.api.transport.Listener;
import io.meshnode.api.transport.Transport;
import io.meshnode.core.internal.config.MeshSettings;
import io.meshnode.core.internal.security.Admission;
import io.meshnode.core.internal.security.Identity;
import io.meshnode.core.internal.wire.Protocol;

/** This node as the rooms of the engine see it: identity, configuration, the transport the mesh is bound to. Mesh thread only. */
final class NodeState {
    final Identity identity;
    MeshSettings settings;
    Admission admission = Admission.DEFAULTS;
    /** The transport the links and the listener belong to; the services may already offer another. */
    Transport transport;
    Listener listener;
    /** The topology the shape was last planned with. */
    Topology topology;
    boolean stopped;
    /** The protocol versions and capabilities this node announces in its hello (a test may play a newer build). */
    int minVersion = Protocol.MIN_VERSION;
    int maxVersion = Protocol.VERSION;
    long capabilities = Protocol.CAPABILITIES;
    /** Dials started since the mesh started. */
    long dialAttempts;

    NodeState(Identity identity) {
        this.identity = identity;
    }

    /** @return the address peers dial: the bound listener's, or the configured one before it is bound */
    InetSocketAddress advertised() {
        if (settings.advertise() != null) {
            return settings.advertise();
        }
        return listener != null ? listener.address() : settings.listen();
    }

    NodeRef self() {
        return new NodeRef(identity.id(), advertised(), settings.role());
    }
}
