package io.meshnode.jmx.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.StandardMBean;

import io.meshnode.api.mesh.Mesh;
import io.meshnode.api.mesh.NodeDTO;
import io.meshnode.api.mesh.PeerDTO;

/**
 * The two MXBeans, {@code io.meshnode:type=Node} and {@code io.meshnode:type=Peers}, over whatever Mesh service
 * is bound when an attribute is read. Without one, reads and operations fail with a message that says so.
 */
final class MeshBeans {
    static final String DOMAIN = "io.meshnode";
    static final ObjectName NODE = name("type=Node");
    static final ObjectName PEERS = name("type=Peers");

    private final Supplier<Mesh> mesh;
    private final PeerCounters counters;
    private final Consumer<String> audit;
    private final List<ObjectName> registered = new ArrayList<>();
    private MBeanServer server;

    /**
     * @param mesh the mesh bound now, or {@code null}
     * @param audit where operator actions are logged
     */
    MeshBeans(Supplier<Mesh> mesh, PeerCounters counters, Consumer<String> audit) {
        this.mesh = mesh;
        this.counters = counters;
        this.audit = audit;
    }

    private static ObjectName name(String keys) {
        try {
            return new ObjectName(DOMAIN + ":" + keys);
        } catch (JMException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** Registers both beans; a name already taken (a second node in this JVM) is left to its owner and reported. */
    List<String> register(MBeanServer on) {
        server = on;
        List<String> problems = new ArrayList<>();
        register(new StandardMBean(new NodeBean(), NodeMXBean.class, true), NODE, problems);
        register(new StandardMBean(new PeersBean(), PeersMXBean.class, true), PEERS, problems);
        return problems;
    }

    private void register(Object bean, ObjectName name, List<String> problems) {
        try {
            server.registerMBean(bean, name);
            registered.add(name);
        } catch (InstanceAlreadyExistsException e) {
            problems.add(name + " is already registered in this JVM (another node?): not replaced");
        } catch (JMException e) {
            problems.add("cannot register " + name + ": " + e);
        }
    }

    void unregister() {
        for (ObjectName name : registered) {
            try {
                server.unregisterMBean(name);
            } catch (InstanceNotFoundException e) {
                // already gone
            } catch (JMException e) {
                // nothing else to do while stopping
            }
        }
        registered.clear();
    }

    private Mesh mesh() {
        Mesh m = mesh.get();
        if (m == null) {
            throw new IllegalStateException("the mesh service is not available (mesh.core stopped or updating)");
        }
        return m;
    }

    private final class NodeBean implements NodeMXBean {
        private NodeDTO node() {
            return mesh().node();
        }

        @Override
        public String getId() {
            return node().id;
        }

        @Override
        public String getListen() {
            return node().listen;
        }

        @Override
        public String getRole() {
            return node().role;
        }

        @Override
        public boolean isListening() {
            return node().listening;
        }

        @Override
        public List<String> getMissing() {
            List<String> missing = node().missing;
            return missing == null ? List.of() : missing;
        }

        @Override
        public int getPeerCount() {
            return node().peers;
        }

        @Override
        public int getConnectedCount() {
            return node().connected;
        }

        @Override
        public List<ProviderInfo> getProviders() {
            NodeDTO n = node();
            return n.providers == null ? List.of() : n.providers.stream().map(ProviderInfo::new).toList();
        }
    }

    private final class PeersBean implements PeersMXBean {
        @Override
        public List<PeerInfo> getPeers() {
            List<PeerDTO> peers = mesh().peers();
            List<PeerInfo> rows = new ArrayList<>(peers.size());
            for (PeerDTO p : peers) {
                rows.add(new PeerInfo(p, counters.of(p.address)));
            }
            return rows;
        }

        @Override
        public Map<String, Integer> getStateCounts() {
            return PeerCounters.stateCounts(mesh().peers());
        }

        @Override
        public Map<String, Long> getClosesByReason() {
            return counters.closesByReason();
        }

        @Override
        public long getStateChanges() {
            return counters.stateChanges();
        }

        @Override
        public PeerInfo peer(String ref) {
            PeerDTO p = mesh().peer(ref);
            return new PeerInfo(p, counters.of(p.address));
        }

        @Override
        public String reconnect(String ref) {
            Mesh m = mesh();
            audit.accept("operator reconnect of " + ref + " requested over JMX");
            return m.reconnect(ref).state.name();
        }

        @Override
        public int reconnectAll() {
            Mesh m = mesh();
            List<PeerDTO> peers = m.peers();
            audit.accept("operator reconnect of all " + peers.size() + " peers requested over JMX");
            for (PeerDTO p : peers) {
                m.reconnect(p.address);
            }
            return peers.size();
        }
    }
}
