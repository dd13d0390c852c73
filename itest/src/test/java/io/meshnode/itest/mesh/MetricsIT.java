package io.meshnode.itest.mesh;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The metrics endpoint (mgmt.metrics) scraped by a real Prometheus server: two node processes on 127.0.88.21 and
 * 127.0.88.22, each serving /metrics on its own listen host (the default when {@code host} is not set) and the same
 * port, and Prometheus (Debian's package) scraping both every second. Its query API must show the two-node mesh:
 * one CONNECTED peer on each node, each peer up, a handshake observed on each side.
 *
 * <p>Needs the {@code prometheus} binary. As root on Debian the test installs the package (its service kept from
 * starting); otherwise it prints a banner and is skipped, except under CI ({@code CI=true}) where it fails.
 */
class MetricsIT {
    private static final Duration READY = Duration.ofSeconds(90);
    private static final Duration SCRAPED = Duration.ofSeconds(60);

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path root;

    private final int port = ThreadLocalRandom.current().nextInt(20_000, 40_000);
    private final List<NodeProcess> nodes = new ArrayList<>();
    private PrometheusServer prometheus;

    @AfterEach
    void stopAll() throws InterruptedException {
        if (prometheus != null) {
            prometheus.close();
        }
        for (NodeProcess n : nodes) {
            n.close();
        }
    }

    private static Path prometheusBinary() throws IOException, InterruptedException {
        Path binary = PrometheusServer.binary();
        String why = binary != null ? null : PrometheusServer.install();
        if (why == null) {
            return PrometheusServer.binary();
        }
        String banner = "\n" + "!".repeat(100) + "\n!!! METRICS TEST AGAINST PROMETHEUS NOT RUN: " + why
            + "\n!!! Install Debian's prometheus package (.ci/run does) or run `mvn -B verify` as root.\n"
            + "!".repeat(100);
        System.err.println(banner);
        System.out.println(banner);
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            fail("the metrics test cannot run in CI: " + why);
        }
        Assumptions.abort("metrics test skipped: " + why);
        return null;
    }

    @Test
    void prometheusSeesATwoNodeMeshConnectedAndEachPeerUp() throws Exception {
        Path binary = prometheusBinary();
        int metricsPort = port + 2;
        NodeProcess a = new NodeProcess(root, "a", "127.0.88.21:" + port);
        NodeProcess b = new NodeProcess(root, "b", "127.0.88.22:" + port);
        for (NodeProcess n : List.of(a, b)) {
            // host not set: each endpoint listens on its node's own loopback listen host
            n.set("metrics", "enabled", "true").set("metrics", "port", Integer.toString(metricsPort));
            nodes.add(n);
        }
        a.peers(b).start();
        b.peers(a).start();
        a.awaitReady(READY);
        b.awaitReady(READY);

        String web = "127.0.88.20:" + freePort("127.0.88.20");
        prometheus = new PrometheusServer(binary, root.resolve("prometheus"), web,
            List.of("127.0.88.21:" + metricsPort, "127.0.88.22:" + metricsPort));
        Waits.until(SCRAPED, Duration.ofMillis(250), () -> prometheus.ready() || !prometheus.alive(),
            () -> "prometheus not ready: " + prometheus.log());
        if (!prometheus.alive()) {
            fail("prometheus exited: " + prometheus.log());
        }

        Duration took = Waits.until(SCRAPED, Duration.ofMillis(500), () -> {
            List<Map<String, String>> connected = prometheus.query("meshnode_peers{job=\"meshnode\",state=\"CONNECTED\"}");
            return connected.size() == 2 && connected.stream().allMatch(s -> "1".equals(s.get("__value__")));
        }, () -> "meshnode_peers{state=\"CONNECTED\"}: " + prometheus.query("meshnode_peers") + "; up: "
            + prometheus.query("up") + "; " + a.log() + " " + b.log());
        System.out.println("[metrics] Prometheus shows one CONNECTED peer on each node after " + took.toMillis() + " ms");

        Waits.until(SCRAPED, Duration.ofMillis(500), () -> {
            List<Map<String, String>> up = prometheus.query("meshnode_peer_up{job=\"meshnode\"}");
            return up.size() == 2
                && has(up, "127.0.88.21:" + metricsPort, b.shortId(), b.listen)
                && has(up, "127.0.88.22:" + metricsPort, a.shortId(), a.listen);
        }, () -> "meshnode_peer_up: " + prometheus.query("meshnode_peer_up"));

        Waits.until(SCRAPED, Duration.ofMillis(500), () -> {
            List<Map<String, String>> handshakes =
                prometheus.query("sum by (instance) (meshnode_handshake_duration_seconds_count{job=\"meshnode\"})");
            return handshakes.size() == 2 && handshakes.stream().allMatch(s -> Double.parseDouble(s.get("__value__")) >= 1);
        }, () -> "handshakes: " + prometheus.query("meshnode_handshake_duration_seconds_count"));
    }

    /** One sample of {@code instance} for the peer {@code shortId} at {@code address}, value 1. */
    private static boolean has(List<Map<String, String>> samples, String instance, String shortId, String address) {
        return samples.stream().anyMatch(s -> instance.equals(s.get("instance")) && shortId.equals(s.get("peer"))
            && address.equals(s.get("address")) && "1".equals(s.get("__value__")));
    }

    private static int freePort(String host) throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(host))) {
            return socket.getLocalPort();
        }
    }
}
