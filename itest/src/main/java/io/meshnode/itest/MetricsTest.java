package io.meshnode.itest;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.Hashtable;

import org.junit.jupiter.api.Test;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectService;

import io.meshnode.api.mesh.Mesh;

/**
 * The metrics endpoint (mgmt.metrics) in the framework under test, on Felix and on Equinox: the Prometheus client's
 * bundles resolve (the JDK's HTTP server through org.osgi.framework.system.packages.extra), a live configuration
 * change rebinds it, and it serves this node's metrics.
 */
class MetricsTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final String PID = "meshnode.metrics";
    private static final String HOST = "127.0.88.30";

    @InjectService(timeout = 10_000)
    ConfigurationAdmin cm;

    @InjectService(timeout = 10_000)
    Mesh mesh;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void theEndpointServesThisNodesMetricsWhereItIsConfigured() throws Exception {
        Configuration config = cm.getConfiguration(PID, "?");
        Dictionary<String, Object> saved = config.getProperties();
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            port = probe.getLocalPort();
        }
        Hashtable<String, Object> props = new Hashtable<>();
        if (saved != null) {
            for (Enumeration<String> keys = saved.keys(); keys.hasMoreElements();) {
                String key = keys.nextElement();
                props.put(key, saved.get(key));
            }
        }
        props.put("host", HOST);
        props.put("port", String.valueOf(port));
        config.update(props);
        URI uri = URI.create("http://" + HOST + ":" + port + "/metrics");
        try {
            String text = Await.until(TIMEOUT, () -> get(uri), t -> t != null && t.contains("meshnode_up 1.0"),
                "serving " + uri);
            assertTrue(text.contains("meshnode_node_info{id=\"" + mesh.node().id + "\""), text);
            assertTrue(text.contains("meshnode_peers{state=\"CONNECTED\"}"), text);
            assertTrue(text.contains("meshnode_closes_total{reason=\"TIMEOUT\"}"), text);
        } finally {
            if (saved == null) {
                config.delete();
            } else {
                config.update(saved);
            }
        }
    }

    /** @return the body, or {@code null} while nothing answers */
    private String get(URI uri) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? r.body() : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
