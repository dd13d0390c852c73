package io.meshnode.itest.swap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Version;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.util.tracker.ServiceTracker;

import io.meshnode.api.config.ConfigValues;
import io.meshnode.api.mesh.BanDTO;
import io.meshnode.api.mesh.Bans;
import io.meshnode.api.mesh.Mesh;
import io.meshnode.api.mesh.PeerDTO;
import io.meshnode.api.mesh.PeerState;

/**
 * Nothing a peer's next decisions depend on is forgotten by a mesh.core update: a parked peer stays parked and
 * undialed with its failure count, a banned address stays banned until the same time.
 */
class DurableStateTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void aMeshCoreUpdateKeepsAParkedPeerParkedAndUndialedAndABanBanned(@InjectBundleContext BundleContext context,
        @InjectService ConfigurationAdmin cm) throws Exception {
        ServiceTracker<Mesh, Mesh> meshes = new ServiceTracker<>(context, Mesh.class, null);
        meshes.open();
        String dead = "127.0.0.1:" + freePort(); // nobody listens there
        ThreadLocalRandom r = ThreadLocalRandom.current();
        InetAddress offender = InetAddress.getByName("127." + r.nextInt(100, 200) + "." + r.nextInt(1, 250) + ".7");
        try {
            configure(cm, "meshnode.retry", "initial", "100ms", "max", "200ms", "giveup.masternode", "2", "probe", "1h");
            Mesh mesh = meshes.waitForService(WAIT.toMillis());
            mesh.connect(dead);
            PeerDTO parked = io.meshnode.itest.Await.until(WAIT, () -> mesh(meshes).peer(dead), p -> p.state == PeerState.PARKED, "parked");
            InetSocketAddress listen = ConfigValues.parseEndpoint(mesh.node().listen);
            for (int i = 0; i < 5; i++) { // ban.after's default
                garbage(offender, listen);
            }
            BanDTO ban = io.meshnode.itest.Await.until(WAIT, () -> ((Bans) mesh(meshes)).bans(), bans -> bans.stream()
                .anyMatch(b -> b.address.equals(offender.getHostAddress())), "banned").stream()
                .filter(b -> b.address.equals(offender.getHostAddress())).findFirst().orElseThrow();

            Bundle core = Stream.of(context.getBundles()).filter(b -> "mesh.core".equals(b.getSymbolicName())).findFirst()
                .orElseThrow();
            Version next = Rebuilt.next(core.getVersion(), "durable");
            core.update(Rebuilt.withVersion(core, next));
            Await.until(WAIT, () -> meshes.getService() != null && core.getVersion().equals(next), () -> "updated");

            PeerDTO after = io.meshnode.itest.Await.until(WAIT, () -> mesh(meshes).peer(dead), p -> p != null, "the peer after the update");
            assertEquals(PeerState.PARKED, after.state, after.history.toString());
            assertEquals(parked.consecutiveFailures, after.consecutiveFailures);
            assertTrue(after.history.stream().noneMatch(t -> t.to == PeerState.CONNECTING), "not dialed: " + after.history);
            List<BanDTO> bans = ((Bans) mesh(meshes)).bans();
            BanDTO kept = bans.stream().filter(b -> b.address.equals(offender.getHostAddress())).findFirst()
                .orElseThrow(() -> new AssertionError("the ban is gone: " + bans));
            assertEquals(ban.until, kept.until, 2_000, "the same expiry");
        } finally {
            Mesh mesh = meshes.waitForService(WAIT.toMillis());
            mesh.disconnect(dead);
            ((Bans) mesh).unban(offender.getHostAddress());
            configure(cm, "meshnode.retry", "initial", null, "max", null, "giveup.masternode", null, "probe", null);
            meshes.close();
        }
    }

    private static Mesh mesh(ServiceTracker<Mesh, Mesh> meshes) {
        Mesh m = meshes.getService();
        if (m == null) {
            throw new IllegalStateException("no mesh service");
        }
        return m;
    }

    /** A connection from {@code from} that sends bytes no TLS handshake can take: one offence of that address. */
    private static void garbage(InetAddress from, InetSocketAddress to) throws IOException {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(from, 0));
            s.connect(to, 5_000);
            OutputStream out = s.getOutputStream();
            out.write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            s.setSoTimeout(5_000);
            try {
                while (s.getInputStream().read() >= 0) {
                    // until the node closes it
                }
            } catch (IOException closed) {
                // reset by the node
            }
        }
    }

    private static void configure(ConfigurationAdmin cm, String pid, String... kv) throws IOException {
        ConfigEdits.configure(cm, pid, kv);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
