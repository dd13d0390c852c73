package io.meshnode.jmx.internal;

import java.lang.management.ManagementFactory;
import java.util.concurrent.atomic.AtomicReference;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import io.meshnode.api.mesh.Mesh;
import io.meshnode.api.mesh.MeshListener;
import io.meshnode.api.mesh.PeerDTO;
import io.meshnode.api.mesh.PeerState;

/**
 * Registers the node's MXBeans on the platform MBean server while this bundle is active. The Mesh reference is
 * optional and dynamic, so updating mesh.core leaves the beans registered (they answer "not available" meanwhile)
 * and the counters kept. As a mesh listener it counts connects and closes, which the peer table does not keep.
 */
@Component(immediate = true, service = MeshListener.class)
public class JmxComponent implements MeshListener {
    private final AtomicReference<Mesh> mesh = new AtomicReference<>();
    private final PeerCounters counters = new PeerCounters();
    private final MeshBeans beans;

    @Activate
    public JmxComponent(@Reference(service = LoggerFactory.class) Logger log) {
        beans = new MeshBeans(mesh::get, counters, log::info);
        for (String problem : beans.register(ManagementFactory.getPlatformMBeanServer())) {
            log.warn(problem);
        }
    }

    @Deactivate
    void deactivate() {
        beans.unregister();
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    void bindMesh(Mesh m) {
        mesh.set(m);
    }

    void unbindMesh(Mesh m) {
        mesh.compareAndSet(m, null);
    }

    @Override
    public void peerChanged(PeerDTO peer, PeerState previous) {
        counters.peerChanged(peer, previous);
    }
}
