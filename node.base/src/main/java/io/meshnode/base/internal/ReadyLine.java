package io.meshnode.base.internal;

import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicBoolean;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

import io.meshnode.api.mesh.Mesh;
import io.meshnode.api.mesh.NodeDTO;

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

    /** A mesh that listened before this listener was registered (e.g. Karaf started it first) told nobody. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    void bindMesh(Mesh mesh) {
        try {
            NodeDTO node = mesh.node();
            if (node.listening) {
                listening(node.id, node.listen);
            }
        } catch (RuntimeException e) {
            // not up yet: its listening event follows
        }
    }

    void unbindMesh(Mesh mesh) {
        // nothing kept
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
