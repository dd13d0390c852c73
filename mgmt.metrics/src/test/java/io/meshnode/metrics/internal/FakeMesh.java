package io.meshnode.metrics.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;

import io.meshnode.api.mesh.Mesh;
import io.meshnode.api.mesh.NodeDTO;
import io.meshnode.api.mesh.PeerDTO;

/** A peer table the test sets; only the read methods are used by the metrics. */
final class FakeMesh implements Mesh {
    final NodeDTO node = new NodeDTO();
    final List<PeerDTO> peers = new ArrayList<>();
    volatile RuntimeException failure;

    FakeMesh(String listen) {
        node.id = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";
        node.role = "masternode";
        node.listen = listen;
        node.listening = true;
    }

    @Override
    public NodeDTO node() {
        if (failure != null) {
            throw failure;
        }
        return node;
    }

    @Override
    public List<PeerDTO> peers() {
        if (failure != null) {
            throw failure;
        }
        return List.copyOf(peers);
    }

    @Override
    public PeerDTO peer(String ref) {
        throw new UnsupportedOperationException();
    }

    @Override
    public PeerDTO reconnect(String ref) {
        throw new UnsupportedOperationException();
    }

    @Override
    public PeerDTO connect(String spec) {
        throw new UnsupportedOperationException();
    }

    @Override
    public PeerDTO disconnect(String ref) {
        throw new UnsupportedOperationException();
    }

    @Override
    public CompletionStage<Duration> ping(String ref) {
        throw new UnsupportedOperationException();
    }
}
