package io.meshnode.core.internal.engine;

import java.net.InetSocketAddress;

import io.meshnode.api.mesh.PeerDTO;
import io.meshnode.api.mesh.PeerState;

/** What the engine tells the outside world; called on the mesh thread, must not block. */
public interface Events {
    void peerChanged(PeerDTO peer, PeerState previous);

    void message(String peerId, String topic, byte[] payload);

    void listening(String nodeId, InetSocketAddress address);
}
