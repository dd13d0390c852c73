package io.meshnode.runtime.internal;

import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicBoolean;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;

import io.meshnode.api.mesh.MeshListener;
import io.meshnode.api.mesh.PeerDTO;
import io.meshnode.api.mesh.PeerState;

/**
 * Prints the node's public ready line the first time the mesh listens. Operators' scripts and
 * {@code bin/meshnode start} wait for exactly this text; it lives here, not in the mesh, so that a
 * mesh.core update does not print it again.
 */
@Component(immediate = true, service = MeshListener.class)
public class ReadyLine implements MeshListener {
    private final AtomicBoolean announced = new AtomicBoolean();
    private final PrintStream out;

    @Activate
    public ReadyLine() {
        this(System.out);
    }

    ReadyLine(PrintStream out) {
        this.out = out;
    }

    @Override
    public void listening(String nodeId, String address) {
        if (announced.compareAndSet(false, true)) {
            out.println("meshnode ready: node " + nodeId + " listening on " + address);
            out.flush();
        }
    }

    @Override
    public void peerChanged(PeerDTO peer, PeerState previous) {
        // only the first listen matters here
    }
}
