package io.meshnode.itest.swap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.ServiceRegistration;
import org.osgi.framework.Version;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.util.tracker.ServiceTracker;

import io.meshnode.api.mesh.Mesh;
import io.meshnode.api.mesh.MeshListener;
import io.meshnode.api.mesh.PeerDTO;
import io.meshnode.api.mesh.PeerState;
import io.meshnode.api.mesh.ProviderDTO;

/**
 * Every kind of swap on the node in this framework while two node processes are linked to it (and to
 * each other) over real TCP. Disconnects are counted on both sides: by a {@link MeshListener} here, and
 * from the peers' logs ("link to ... lost/closed"). Retry, health and configuration swaps must drop
 * nothing; a transport or mesh.core update re-forms the links with a goodbye that is not a failure.
 * A third configured peer ("ghost") has nothing listening: its failure count and schedule show that the
 * retry state survives.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HotSwapTest {
    private static final Duration FORMED = Duration.ofSeconds(90);
    private static final Duration SWAPPED = Duration.ofSeconds(20);
    /** Long enough for several pings per link under either monitor (250 ms interval). */
    private static final Duration QUIET = Duration.ofSeconds(2);
    private static final String PHI = "meshnode.health.phi";
    private static final String HEARTBEAT = "io.meshnode.health.internal.HeartbeatMonitor";
    private static final List<String> PIDS = List.of("meshnode.mesh", "meshnode.heartbeat", "meshnode.phi",
        "meshnode.retry", "meshnode.transport");

    private BundleContext context;
    private ConfigurationAdmin cm;
    private ServiceTracker<Mesh, Mesh> meshes;
    private ServiceRegistration<MeshListener> listener;
    private final Map<String, Dictionary<String, Object>> saved = new HashMap<>();
    private final AtomicInteger drops = new AtomicInteger();
    private PeerNode a;
    private PeerNode b;
    private String self;
    private String ghost;

    @BeforeAll
    void formMesh() throws Exception {
        context = FrameworkUtil.getBundle(getClass()).getBundleContext();
        cm = context.getService(context.getServiceReference(ConfigurationAdmin.class));
        meshes = new ServiceTracker<>(context, Mesh.class, null);
        meshes.open();
        listener = context.registerService(MeshListener.class, (peer, previous) -> {
            if (previous == PeerState.CONNECTED && peer.state != PeerState.CONNECTED) {
                drops.incrementAndGet();
            }
        }, null);
        for (String pid : PIDS) {
            saved.put(pid, cm.getConfiguration(pid, "?").getProperties());
        }

        ThreadLocalRandom r = ThreadLocalRandom.current();
        String net = "127." + r.nextInt(201, 250) + "." + r.nextInt(1, 250) + ".";
        int port = r.nextInt(20_000, 40_000);
        self = net + "10:" + port;
        ghost = net + "13:" + port;
        Path root = Files.createTempDirectory("hotswap");
        Path jar = Path.of(context.getProperty("meshnode.itest.jar"));
        a = peer(root.resolve("a"), net + "11:" + port);
        b = peer(root.resolve("b"), net + "12:" + port);
        a.with("mesh", "peers", self + "," + b.listen).start(jar);
        b.with("mesh", "peers", self + "," + a.listen).start(jar);

        configure("meshnode.heartbeat", "interval", "250ms", "timeout", "1s", "missed", "3");
        configure("meshnode.phi", "interval", "250ms");
        configure("meshnode.retry", "initial", "300ms", "max", "600ms", "stable", "300ms");
        configure("meshnode.transport", "connect.timeout", "200ms", "handshake.timeout", "3s");
        configure("meshnode.mesh", "listen", self, "peers", a.listen + "," + b.listen + "," + ghost, "dial.grace", "300ms");

        Await.until(FORMED, () -> a.readyId() != null && b.readyId() != null || !a.alive() || !b.alive(), () -> "ready lines");
        assertTrue(a.alive() && b.alive(), "peer processes exited: see " + root);
        Await.until(FORMED, this::fullMesh, () -> "mesh not formed: " + mesh().peers());
    }

    private static PeerNode peer(Path home, String listen) {
        return new PeerNode(home, listen)
            .with("mesh", "listen", listen).with("mesh", "dial.grace", "300ms")
            .with("heartbeat", "interval", "250ms").with("heartbeat", "timeout", "1s").with("heartbeat", "missed", "3")
            .with("retry", "initial", "100ms").with("retry", "max", "400ms").with("retry", "stable", "300ms")
            .with("transport", "connect.timeout", "200ms").with("transport", "handshake.timeout", "3s");
    }

    @AfterAll
    void restore() throws Exception {
        for (PeerNode p : new PeerNode[] {a, b}) {
            if (p != null) {
                p.close();
            }
        }
        if (listener != null) {
            listener.unregister();
        }
        for (Map.Entry<String, Dictionary<String, Object>> e : saved.entrySet()) {
            Configuration c = cm.getConfiguration(e.getKey(), "?");
            if (e.getValue() == null) {
                c.delete();
            } else {
                c.update(e.getValue());
            }
        }
        meshes.close();
    }

    @Test
    @Order(1)
    void theExampleRetryBundleInstalledFromItsJarIsUsedAndUninstalledFallsBack() throws Exception {
        Counts before = counts();
        assertEquals("policy.retry", provider("retry").bundle);
        int failures = ghost().consecutiveFailures;
        long installedAt = System.currentTimeMillis();
        Bundle example = context.installBundle(Await.exampleJar(context).toUri().toString());
        example.start();
        Await.until(SWAPPED, () -> "examples.retry.fixed".equals(provider("retry").bundle), () -> "providers " + providers());
        // The next decision is the example's: a fixed 2 s, never the default's 150..600 ms.
        Await.until(SWAPPED, () -> ghost().lastCloseAt > installedAt + 50 && ghost().nextAttemptAt > 0,
            () -> "ghost " + ghost());
        PeerDTO g = ghost();
        long delay = g.nextAttemptAt - g.lastCloseAt;
        assertTrue(delay >= 1_900 && delay <= 2_100, "next attempt " + delay + " ms after the failure: " + g);
        assertTrue(g.consecutiveFailures > failures, "failure count kept and counting: " + failures + " -> " + g);

        example.uninstall();
        Await.until(SWAPPED, () -> "policy.retry".equals(provider("retry").bundle), () -> "providers " + providers());
        quiet();
        assertNoDrops(before);
    }

    @Test
    @Order(2)
    void policyRetryUpdatedToADifferentBuildOfItselfDropsNothing() throws Exception {
        Counts before = counts();
        Bundle retry = bundle("policy.retry");
        Version next = Rebuilt.next(retry.getVersion(), "rebuilt");
        int failures = ghost().consecutiveFailures;
        retry.update(Rebuilt.withVersion(retry, next));
        Await.until(SWAPPED, () -> next.toString().equals(provider("retry").version), () -> "providers " + providers());
        assertTrue(ghost().consecutiveFailures >= failures, "failure count survives: " + failures + " -> " + ghost());
        quiet();
        assertNoDrops(before);
    }

    @Test
    @Order(3)
    void switchingHealthBetweenHeartbeatAndPhiDropsNothing() throws Exception {
        Counts before = counts();
        assertEquals(HEARTBEAT, provider("health").component);
        configure("meshnode.mesh", "health.target", "(component.name=" + PHI + ")");
        Await.until(SWAPPED, () -> PHI.equals(provider("health").component), () -> "providers " + providers());
        quiet();
        assertNoDrops(before);
        assertTrue(livePeers().allMatch(p -> p.rttLastMicros >= 0), "pings answered under phi: " + mesh().peers());

        configure("meshnode.mesh", "health.target", null);
        Await.until(SWAPPED, () -> HEARTBEAT.equals(provider("health").component), () -> "providers " + providers());
        quiet();
        assertNoDrops(before);
    }

    @Test
    @Order(4)
    void heartbeatAndRetryValuesChangeLiveWithoutDroppingLinks() throws Exception {
        Counts before = counts();
        long health = provider("health").serviceId;
        long retry = provider("retry").serviceId;
        long changedAt = System.currentTimeMillis();
        configure("meshnode.heartbeat", "interval", "300ms", "timeout", "900ms");
        configure("meshnode.retry", "initial", "3s", "max", "3s", "jitter", "none");
        // Applied: the ghost's next backoff is the new 3 s.
        Await.until(SWAPPED, () -> {
            PeerDTO g = ghost();
            return g.lastCloseAt > changedAt + 50 && g.nextAttemptAt - g.lastCloseAt >= 2_900;
        }, () -> "ghost " + ghost());
        assertEquals(health, provider("health").serviceId, "heartbeat modified in place, not re-registered");
        assertEquals(retry, provider("retry").serviceId, "retry modified in place, not re-registered");
        quiet();
        assertNoDrops(before);
        configure("meshnode.retry", "initial", "300ms", "max", "600ms", "jitter", null);
    }

    @Test
    @Order(5)
    void aTransportUpdateReformsEveryLinkAtOnceAndKeepsState() throws Exception {
        Counts before = counts();
        Bundle netty = bundle("transport.netty");
        Version next = Rebuilt.next(netty.getVersion(), "rebuilt");
        int ghostFailures = ghost().consecutiveFailures;
        long start = System.nanoTime();
        netty.update(Rebuilt.withVersion(netty, next));
        Await.until(SWAPPED, () -> next.toString().equals(provider("transport").version) && fullMesh()
            && counts().connectedToSelf == before.connectedToSelf + 2, () -> "mesh " + mesh().peers());
        System.out.printf("HOTSWAP transport update: full mesh back in %d ms%n", (System.nanoTime() - start) / 1_000_000);
        Counts after = counts();
        assertEquals(before.lostSelf, after.lostSelf, "the peers saw goodbyes, no failures");
        assertEquals(before.betweenPeers, after.betweenPeers, "the link between the peers was not touched");
        assertTrue(livePeers().allMatch(p -> p.consecutiveFailures == 0), "no failure counted: " + mesh().peers());
        assertTrue(ghost().consecutiveFailures >= ghostFailures, "failure count survives: " + ghost());
        assertEquals(self, mesh().node().listen);
    }

    @Test
    @Order(6)
    void aMeshCoreUpdateReformsTheMeshAndThePeersComeBackAtOnce() throws Exception {
        Counts before = counts();
        Bundle core = bundle("mesh.core");
        Version next = Rebuilt.next(core.getVersion(), "rebuilt");
        long start = System.nanoTime();
        core.update(Rebuilt.withVersion(core, next));
        Await.until(SWAPPED, () -> meshes.getService() != null && fullMesh()
            && counts().connectedToSelf == before.connectedToSelf + 2, () -> "peers of the new mesh");
        System.out.printf("HOTSWAP mesh.core update: full mesh back in %d ms%n", (System.nanoTime() - start) / 1_000_000);
        assertEquals(next, bundle("mesh.core").getVersion());
        Counts after = counts();
        assertEquals(before.lostSelf, after.lostSelf, "the peers saw goodbyes, no failures");
        assertEquals(before.betweenPeers, after.betweenPeers, "the link between the peers was not touched");
    }

    // ---------------------------------------------------------------- helpers

    /** What the peers' logs say about their links, and how many drops the listener here saw. */
    private record Counts(int drops, int connectedToSelf, int closedSelf, int lostSelf, int betweenPeers) {}

    private Counts counts() {
        int connected = 0;
        int closed = 0;
        int lost = 0;
        int between = 0;
        for (PeerNode p : new PeerNode[] {a, b}) {
            PeerNode other = p == a ? b : a;
            connected += p.logLines("connected to ", "@" + self + " (").size();
            closed += p.logLines("link to ", "@" + self + " closed").size();
            lost += p.logLines("link to ", "@" + self + " lost").size();
            between += p.logLines("link to ", "@" + other.listen + " ").size();
        }
        return new Counts(drops.get(), connected, closed, lost, between);
    }

    private void assertNoDrops(Counts before) {
        Counts after = counts();
        assertEquals(before, after, "links dropped (listener here, peers' logs)");
        assertTrue(fullMesh(), "mesh " + mesh().peers());
    }

    private boolean fullMesh() {
        Mesh m = meshes.getService();
        if (m == null) {
            return false;
        }
        List<PeerDTO> peers = m.peers();
        boolean here = Stream.of(a.listen, b.listen).allMatch(
            addr -> peers.stream().anyMatch(p -> p.address.equals(addr) && p.state == PeerState.CONNECTED));
        return here && a.logLines("connected to ", "@" + b.listen + " (").size()
            + b.logLines("connected to ", "@" + a.listen + " (").size() > 0;
    }

    private Stream<PeerDTO> livePeers() {
        return mesh().peers().stream().filter(p -> !p.address.equals(ghost));
    }

    private PeerDTO ghost() {
        return mesh().peer(ghost);
    }

    private Mesh mesh() {
        try {
            Mesh m = meshes.waitForService(SWAPPED.toMillis());
            assertTrue(m != null, "no Mesh service");
            return m;
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private List<ProviderDTO> providers() {
        return mesh().node().providers;
    }

    private ProviderDTO provider(String role) {
        return providers().stream().filter(p -> p.role.equals(role)).findFirst().orElseGet(ProviderDTO::new);
    }

    private Bundle bundle(String bsn) {
        return Stream.of(context.getBundles()).filter(x -> bsn.equals(x.getSymbolicName())).findFirst().orElseThrow();
    }

    /** Sets (or with a {@code null} value removes) keys of a configuration, keeping the others. */
    private void configure(String pid, String... kv) throws IOException {
        Configuration c = cm.getConfiguration(pid, "?");
        Dictionary<String, Object> p = c.getProperties() == null ? new Hashtable<>() : c.getProperties();
        for (int i = 0; i < kv.length; i += 2) {
            if (kv[i + 1] == null) {
                p.remove(kv[i]);
            } else {
                p.put(kv[i], kv[i + 1]);
            }
        }
        c.update(p);
    }

    /** Observes the mesh for {@link #QUIET}: a drop shows in the counts afterwards. */
    private static void quiet() throws InterruptedException {
        Thread.sleep(QUIET.toMillis());
    }
}
