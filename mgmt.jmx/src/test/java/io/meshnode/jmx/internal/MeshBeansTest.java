package io.meshnode.jmx.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.RuntimeMBeanException;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.meshnode.api.mesh.Mesh;
import io.meshnode.api.mesh.PeerDTO;
import io.meshnode.api.mesh.PeerState;
import io.meshnode.api.mesh.ProviderDTO;
import io.meshnode.api.testing.FakeMesh;
import io.meshnode.api.transport.CloseReason;
import io.meshnode.api.transport.Direction;

class MeshBeansTest {
    private final MBeanServer server = MBeanServerFactory.newMBeanServer();
    private final FakeMesh fake = fake();
    private final AtomicReference<Mesh> bound = new AtomicReference<>(fake);
    private final PeerCounters counters = new PeerCounters();
    private final List<String> audit = new ArrayList<>();
    private final MeshBeans beans = new MeshBeans(bound::get, counters, audit::add);

    /** A node with a transport and no health monitor; one peer connected, one backing off with an unknown id. */
    private static FakeMesh fake() {
        FakeMesh fake = new FakeMesh();
        fake.node.id = "a1b2c3d4";
        fake.node.missing = List.of("health");
        ProviderDTO t = new ProviderDTO();
        t.role = "transport";
        t.component = "transport.netty.NettyTransport";
        t.bundle = "transport.netty";
        t.version = "0.1.0";
        t.serviceId = 42;
        fake.node.providers = List.of(t);
        PeerDTO a = peer("10.0.0.1:7800", "ffee0011", PeerState.CONNECTED);
        a.direction = Direction.OUTBOUND;
        a.rttLastMicros = 350;
        fake.peers.add(a);
        PeerDTO b = peer("10.0.0.2:7800", null, PeerState.BACKOFF);
        b.consecutiveFailures = 3;
        fake.peers.add(b);
        return fake;
    }

    private static PeerDTO peer(String address, String id, PeerState state) {
        PeerDTO p = FakeMesh.peer(address, id, state);
        p.lastCloseDetail = "";
        return p;
    }

    @AfterEach
    void unregister() {
        beans.unregister();
    }

    @Test
    void nodeAttributesComeFromTheMesh() throws Exception {
        assertEquals(List.of(), beans.register(server));
        assertEquals("a1b2c3d4", server.getAttribute(MeshBeans.NODE, "Id"));
        assertEquals("127.0.0.1:7800", server.getAttribute(MeshBeans.NODE, "Listen"));
        assertEquals("masternode", server.getAttribute(MeshBeans.NODE, "Role"));
        assertEquals(true, server.getAttribute(MeshBeans.NODE, "Listening"));
        assertEquals(2, server.getAttribute(MeshBeans.NODE, "PeerCount"));
        assertEquals(1, server.getAttribute(MeshBeans.NODE, "ConnectedCount"));
        assertArrayEquals(new String[] {"health"}, (String[]) server.getAttribute(MeshBeans.NODE, "Missing"));
        CompositeData[] providers = (CompositeData[]) server.getAttribute(MeshBeans.NODE, "Providers");
        assertEquals(1, providers.length);
        assertEquals("transport", providers[0].get("role"));
        assertEquals("transport.netty", providers[0].get("bundle"));
        assertEquals(42L, providers[0].get("serviceId"));
    }

    @Test
    void peersTableHasOneCompositePerPeerWithCounters() throws Exception {
        beans.register(server);
        PeerDTO b = fake.peers.get(1);
        counters.peerChanged(copy(b, PeerState.CONNECTED, null, 0), PeerState.HANDSHAKING);
        counters.peerChanged(copy(b, PeerState.BACKOFF, CloseReason.TIMEOUT, 1000), PeerState.CONNECTED);
        counters.peerChanged(copy(b, PeerState.BACKOFF, CloseReason.TIMEOUT, 1000), PeerState.BACKOFF); // re-reported
        counters.peerChanged(copy(b, PeerState.BACKOFF, CloseReason.ADMIN, 2000), PeerState.CONNECTED);

        CompositeData[] rows = (CompositeData[]) server.getAttribute(MeshBeans.PEERS, "Peers");
        assertEquals(2, rows.length);
        CompositeData a = rows[0];
        assertEquals("10.0.0.1:7800", a.get("address"));
        assertEquals("CONNECTED", a.get("state"));
        assertEquals("outbound", a.get("direction"));
        assertEquals(350L, a.get("rttLastMicros"));
        assertEquals("", a.get("lastCloseReason"));
        CompositeData row = rows[1];
        assertEquals("BACKOFF", row.get("state"));
        assertEquals("", row.get("id"), "unknown id is an empty text");
        assertEquals(1L, row.get("connects"));
        assertEquals(2L, row.get("closes"));
        assertEquals(1L, row.get("failures"), "ADMIN is not a failure");
        assertEquals(3, row.get("consecutiveFailures"));

        TabularData byReason = (TabularData) server.getAttribute(MeshBeans.PEERS, "ClosesByReason");
        assertEquals(1L, byReason.get(new Object[] {"TIMEOUT"}).get("value"));
        assertEquals(1L, byReason.get(new Object[] {"ADMIN"}).get("value"));
        TabularData states = (TabularData) server.getAttribute(MeshBeans.PEERS, "StateCounts");
        assertEquals(1, states.get(new Object[] {"CONNECTED"}).get("value"));
        assertEquals(0, states.get(new Object[] {"PARKED"}).get("value"));
        assertEquals(3L, server.getAttribute(MeshBeans.PEERS, "StateChanges"));
    }

    @Test
    void reconnectOperationsReachTheMeshAndAreLogged() throws Exception {
        beans.register(server);
        Object state = server.invoke(MeshBeans.PEERS, "reconnect", new Object[] {"10.0.0.2:7800"},
            new String[] {String.class.getName()});
        assertEquals("CONNECTING", state);
        assertEquals(List.of("10.0.0.2:7800"), fake.reconnected);
        assertEquals(2, server.invoke(MeshBeans.PEERS, "reconnectAll", new Object[0], new String[0]));
        assertEquals(List.of("10.0.0.2:7800", "10.0.0.1:7800", "10.0.0.2:7800"), fake.reconnected);
        assertEquals(List.of("operator reconnect of 10.0.0.2:7800 requested over JMX",
            "operator reconnect of all 2 peers requested over JMX"), audit);
    }

    @Test
    void badReferenceIsAnErrorWithTheMeshMessage() throws Exception {
        beans.register(server);
        RuntimeMBeanException e = expect(RuntimeMBeanException.class, () -> server.invoke(MeshBeans.PEERS, "peer",
            new Object[] {"nope"}, new String[] {String.class.getName()}));
        assertTrue(e.getCause().getMessage().contains("no peer matches 'nope'"), e.getCause().getMessage());
    }

    @Test
    void withoutAMeshReadsSaySo() throws Exception {
        beans.register(server);
        bound.set(null);
        RuntimeMBeanException e = expect(RuntimeMBeanException.class,
            () -> server.getAttribute(MeshBeans.NODE, "Id"));
        assertTrue(e.getCause().getMessage().contains("mesh service is not available"), e.getCause().getMessage());
    }

    @Test
    void aTakenNameIsReportedNotReplaced() throws Exception {
        beans.register(server);
        MeshBeans second = new MeshBeans(bound::get, counters, audit::add);
        List<String> problems = second.register(server);
        assertEquals(2, problems.size());
        assertTrue(problems.get(0).contains("already registered"), problems.get(0));
        second.unregister();
        assertTrue(server.isRegistered(MeshBeans.NODE), "the first owner's bean stays");
    }

    private interface Call {
        Object run() throws Exception;
    }

    private static <E extends Exception> E expect(Class<E> type, Call call) {
        try {
            call.run();
        } catch (Exception e) {
            if (type.isInstance(e)) {
                return type.cast(e);
            }
            throw new AssertionError("expected " + type.getSimpleName() + ", got " + e, e);
        }
        throw new AssertionError("expected " + type.getSimpleName());
    }

    private static PeerDTO copy(PeerDTO p, PeerState state, CloseReason reason, long at) {
        PeerDTO c = peer(p.address, p.id, state);
        c.lastCloseReason = reason;
        c.lastCloseAt = at;
        return c;
    }
}
