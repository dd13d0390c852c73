package io.meshnode.itest;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.Collection;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;

import io.meshnode.api.mesh.Mesh;
import io.meshnode.api.topology.FullMesh;
import io.meshnode.api.topology.NodeRef;
import io.meshnode.api.topology.ShapedTopology;
import io.meshnode.api.topology.Topology;

/**
 * The topology that shapes the mesh is swapped live, both ways: by {@code topology.target} in etc/meshnode.mesh.cfg
 * (to the ring and back to the full mesh) and by ranking (an integrator's topology registered above the full mesh,
 * then gone).
 */
class TopologySwapTest {
    private static final Duration SWAP = Duration.ofSeconds(20);

    @Test
    void byTargetToTheRingAndBack(@InjectService Mesh mesh, @InjectService ConfigurationAdmin cm) throws Exception {
        Await.until(SWAP, () -> mesh.node().topology.startsWith("meshnode.topology.full"), () -> mesh.node().topology);
        target(cm, "(component.name=meshnode.topology.ring)");
        try {
            Await.until(SWAP, () -> mesh.node().topology.startsWith("meshnode.topology.ring"), () -> mesh.node().topology);
        } finally {
            target(cm, null);
        }
        Await.until(SWAP, () -> mesh.node().topology.startsWith("meshnode.topology.full"), () -> mesh.node().topology);
    }

    @Test
    void byRankingAnIntegratorsTopologyTakesOverAndHandsBack(@InjectService Mesh mesh,
        @InjectBundleContext BundleContext context) {
        ShapedTopology mine = new ShapedTopology() {
            @Override
            public Set<NodeRef> wanted(NodeRef self, Collection<NodeRef> members) {
                return FullMesh.wanted(self, members);
            }
        };
        Hashtable<String, Object> props = new Hashtable<>();
        props.put("component.name", "itest.topology");
        props.put("service.ranking", 1_000);
        ServiceRegistration<Topology> reg = context.registerService(Topology.class, mine, props);
        try {
            Await.until(SWAP, () -> mesh.node().topology.startsWith("itest.topology"), () -> mesh.node().topology);
        } finally {
            reg.unregister();
        }
        Await.until(SWAP, () -> mesh.node().topology.startsWith("meshnode.topology.full"), () -> mesh.node().topology);
        assertTrue(mesh.node().warnings.stream().noneMatch(w -> w.contains("topology")), mesh.node().warnings.toString());
    }

    private static void target(ConfigurationAdmin cm, String filter) throws IOException {
        Configuration c = cm.getConfiguration("meshnode.mesh", "?");
        Dictionary<String, Object> p = c.getProperties() == null ? new Hashtable<>() : c.getProperties();
        if (filter == null) {
            p.remove("topology.target");
        } else {
            p.put("topology.target", filter);
        }
        c.update(p);
    }
}
