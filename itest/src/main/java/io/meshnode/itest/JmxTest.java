package io.meshnode.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.function.BooleanSupplier;

import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;

import org.junit.jupiter.api.Test;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;

import io.meshnode.api.mesh.Mesh;
import io.meshnode.api.mesh.NodeDTO;
import io.meshnode.api.mesh.PeerDTO;
import io.meshnode.api.mesh.PeerState;

/** mgmt.jmx registers the node and peer MXBeans on the platform MBean server and follows the bound Mesh service. */
class JmxTest {
    private static final long TIMEOUT_MS = 10_000;
    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();

    @Test
    void nodeAndPeersBeansShowTheRunningMesh(@InjectService(timeout = TIMEOUT_MS) Mesh mesh) throws Exception {
        ObjectName node = new ObjectName("io.meshnode:type=Node");
        ObjectName peers = new ObjectName("io.meshnode:type=Peers");
        await(() -> server.isRegistered(node) && server.isRegistered(peers), "MXBeans registered");
        NodeDTO n = mesh.node();
        assertEquals(n.id, server.getAttribute(node, "Id"));
        assertEquals(n.listen, server.getAttribute(node, "Listen"));
        assertEquals(n.role, server.getAttribute(node, "Role"));
        CompositeData[] providers = (CompositeData[]) server.getAttribute(node, "Providers");
        List<String> roles = new ArrayList<>();
        for (CompositeData p : providers) {
            roles.add((String) p.get("role"));
        }
        assertEquals(List.of("transport", "topology", "health", "retry"), roles);
        assertEquals(mesh.peers().size(), ((CompositeData[]) server.getAttribute(peers, "Peers")).length);
    }

    @Test
    void beansFollowAHigherRankedMeshAndBack(@InjectBundleContext BundleContext context,
        @InjectService(timeout = TIMEOUT_MS) Mesh real) throws Exception {
        ObjectName node = new ObjectName("io.meshnode:type=Node");
        ObjectName peers = new ObjectName("io.meshnode:type=Peers");
        String realId = real.node().id;
        await(() -> realId.equals(attribute(node, "Id")), "the node bean shows the running mesh");

        Hashtable<String, Object> props = new Hashtable<>();
        props.put(Constants.SERVICE_RANKING, 1000);
        TwoPeerMesh fake = new TwoPeerMesh();
        ServiceRegistration<Mesh> reg = context.registerService(Mesh.class, fake, props);
        try {
            await(() -> "f00d".equals(attribute(node, "Id")), "the node bean rebinds to the higher-ranked mesh");
            CompositeData[] rows = (CompositeData[]) server.getAttribute(peers, "Peers");
            assertEquals(2, rows.length);
            assertEquals("127.0.9.1:7800", rows[0].get("address"));
            assertEquals("PARKED", rows[1].get("state"));
            assertEquals(2, server.invoke(peers, "reconnectAll", new Object[0], new String[0]));
            assertEquals(List.of("127.0.9.1:7800", "127.0.9.2:7800"), fake.reconnected);
        } finally {
            reg.unregister();
        }
        await(() -> realId.equals(attribute(node, "Id")), "the node bean returns to the running mesh");
    }

    private Object attribute(ObjectName name, String attribute) {
        try {
            return server.getAttribute(name, attribute);
        } catch (Exception e) {
            return e;
        }
    }

    // Rebinding happens on service events, which may be delivered on another thread: wait for it.
    private static void await(BooleanSupplier condition, String what) {
        Await.until(java.time.Duration.ofMillis(TIMEOUT_MS), condition::getAsBoolean, done -> done, what);
    }

    static final class TwoPeerMesh implements Mesh {
        final List<String> reconnected = new ArrayList<>();

        @Override
        public NodeDTO node() {
            NodeDTO n = new NodeDTO();
            n.id = "f00d";
            n.listen = "127.0.9.9:7800";
            n.role = "fullnode";
            n.missing = List.of();
            n.providers = List.of();
            return n;
        }

        @Override
        public List<PeerDTO> peers() {
            return List.of(peer("127.0.9.1:7800", PeerState.CONNECTED), peer("127.0.9.2:7800", PeerState.PARKED));
        }

        private static PeerDTO peer(String address, PeerState state) {
            PeerDTO p = new PeerDTO();
            p.address = address;
            p.role = "masternode";
            p.state = state;
            return p;
        }

        @Override
        public PeerDTO peer(String ref) {
            return peers().stream().filter(p -> p.address.equals(ref)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no peer " + ref));
        }

        @Override
        public synchronized PeerDTO reconnect(String ref) {
            reconnected.add(ref);
            return peer(ref);
        }

        @Override
        public PeerDTO connect(String spec) {
            throw new UnsupportedOperationException("not used by the MXBeans");
        }

        @Override
        public PeerDTO disconnect(String ref) {
            throw new UnsupportedOperationException("not used by the MXBeans");
        }

        @Override
        public java.util.concurrent.CompletionStage<java.time.Duration> ping(String ref) {
            throw new UnsupportedOperationException("not used by the MXBeans");
        }
    }
}
