package io.meshnode.metrics.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.meshnode.api.config.ConfigValues;
import io.meshnode.api.testing.Configs;
import io.meshnode.api.testing.FakeMesh;
import io.meshnode.api.testing.RecordingLogger;

/** The endpoint over real sockets on 127.0.88.x (other engineers' tests use other loopback addresses). */
class MetricsComponentTest {
    private final RecordingLogger log = new RecordingLogger();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private MetricsComponent component;

    @AfterEach
    void deactivate() throws InterruptedException {
        if (component != null) {
            component.deactivate();
        }
    }

    private static MetricsComponent.Config config(Map<String, Object> values) {
        return Configs.of(MetricsComponent.Config.class, values);
    }

    private MetricsComponent start(Map<String, Object> values) {
        component = new MetricsComponent(log.logger(), config(values), values);
        return component;
    }

    private String get(String host, int port) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + "/metrics"))
            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode());
        return r.body();
    }

    @Test
    void withoutAHostTheEndpointListensOnTheMeshsLoopbackListenHost() throws Exception {
        start(Configs.map("port", "0"));
        assertEquals(-1, component.port(), "waits for the mesh to know its listen host");
        component.bindMesh(new FakeMesh("127.0.88.3:7800"));
        int port = component.port();
        assertTrue(port > 0);
        String text = get("127.0.88.3", port);
        assertTrue(text.contains("meshnode_up 1.0"), text);
        assertTrue(text.contains("meshnode_peers{state=\"CONNECTED\"} 0.0"), text);
        assertTrue(log.has("INFO", "metrics endpoint: http://127.0.88.3:" + port + "/metrics"), log.lines()::toString);
    }

    @Test
    void aNonLoopbackListenHostGivesTheLoopbackDefault() throws Exception {
        Settings s = Settings.parse(config(Map.of()), ConfigValues.of(Map.of(), MetricsComponent.PID));
        assertEquals(new InetSocketAddress("127.0.0.1", 7802), s.endpoint("0.0.0.0:7800"));
        assertEquals(new InetSocketAddress("127.0.0.1", 7802), s.endpoint("192.0.2.7:7800"));
        assertEquals(new InetSocketAddress("127.0.0.2", 7802), s.endpoint("127.0.0.2:7800"));
        assertEquals(null, s.endpoint(null));
        Settings fixed = Settings.parse(config(Map.of("host", "127.0.88.9")), ConfigValues.of(Map.of(), "x"));
        assertEquals(new InetSocketAddress("127.0.88.9", 7802), fixed.endpoint(null));
        assertTrue(s.enabled());
    }

    @Test
    void aTakenPortIsAnErrorAndTheComponentRunsOn() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.88.4"))) {
            start(Configs.map("host", "127.0.88.4", "port", String.valueOf(taken.getLocalPort())));
            assertEquals(-1, component.port());
            assertTrue(log.has("ERROR", "metrics endpoint cannot listen on 127.0.88.4:" + taken.getLocalPort()),
                log.lines()::toString);
            Map<String, Object> next = Configs.map("host", "127.0.88.4", "port", "0");
            component.modified(config(next), next);
            int port = component.port();
            assertTrue(port > 0);
            assertTrue(get("127.0.88.4", port).contains("meshnode_up 0.0"), "no mesh bound: up 0");
        }
    }

    @Test
    void aHostChangeRebindsLiveAndDisablingCloses() throws Exception {
        start(Configs.map("host", "127.0.88.5", "port", "0"));
        int first = component.port();
        get("127.0.88.5", first);
        Map<String, Object> moved = Configs.map("host", "127.0.88.6", "port", "0");
        component.modified(config(moved), moved);
        int second = component.port();
        get("127.0.88.6", second);
        assertThrows(ConnectException.class, () -> get("127.0.88.5", first));
        Map<String, Object> off = Configs.map("host", "127.0.88.6", "port", "0", "enabled", "false");
        component.modified(config(off), off);
        assertEquals(-1, component.port());
        assertThrows(ConnectException.class, () -> get("127.0.88.6", second));
        assertTrue(log.has("INFO", "metrics endpoint off (enabled = false)"));
    }

    @Test
    void aBadValueIsLoggedAndTheRunningEndpointKept() throws Exception {
        start(Configs.map("host", "127.0.88.7", "port", "0"));
        int port = component.port();
        Map<String, Object> bad = Configs.map("host", "127.0.88.7", "port", "99999");
        component.modified(config(bad), bad);
        assertEquals(port, component.port());
        assertTrue(log.has("ERROR", "port = '99999' is invalid"), log.lines()::toString);
        get("127.0.88.7", port);
    }
}
