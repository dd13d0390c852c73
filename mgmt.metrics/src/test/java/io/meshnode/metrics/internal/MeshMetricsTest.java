package io.meshnode.metrics.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import io.meshnode.api.mesh.BanDTO;
import io.meshnode.api.mesh.Bans;
import io.meshnode.api.mesh.Mesh;
import io.meshnode.api.mesh.PeerDTO;
import io.meshnode.api.mesh.PeerState;
import io.meshnode.api.testing.FakeMesh;
import io.meshnode.api.transport.CloseReason;
import io.meshnode.api.transport.Direction;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

class MeshMetricsTest {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final FakeMesh fake = new FakeMesh("127.0.88.1:7800");
    private final AtomicReference<Mesh> bound = new AtomicReference<>(fake);
    private final List<BanDTO> banList = new ArrayList<>();
    private final AtomicReference<Bans> bans = new AtomicReference<>(new Bans() {
        @Override
        public List<BanDTO> bans() {
            return List.copyOf(banList);
        }

        @Override
        public List<BanDTO> unban(String ref) {
            throw new UnsupportedOperationException();
        }
    });
    private final List<String> problems = new ArrayList<>();
    private final MeshMetrics metrics = new MeshMetrics(registry, bound::get, bans::get, problems::add);

    private String scrape() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, registry.scrape(), EscapingScheme.ALLOW_UTF8);
        return out.toString(StandardCharsets.UTF_8);
    }

    private static void assertLine(String text, String line) {
        assertTrue(text.lines().anyMatch(line::equals), () -> "no line '" + line + "' in:\n" + text);
    }

    private static PeerDTO peer(String id, String address, PeerState state) {
        PeerDTO p = new PeerDTO();
        p.id = id;
        p.address = address;
        p.state = state;
        return p;
    }

    @Test
    void everyStateIsReportedWithZeroWhenNone() throws IOException {
        fake.peers.add(peer("6ca68e090baa0011223344556677889900aabbcc", "127.0.88.2:7800", PeerState.CONNECTED));
        fake.peers.add(peer(null, "127.0.88.3:7800", PeerState.BACKOFF));
        fake.peers.add(peer(null, "127.0.88.4:7800", PeerState.BACKOFF));
        String text = scrape();
        assertLine(text, "meshnode_up 1.0");
        assertLine(text, "meshnode_peers{state=\"CONNECTED\"} 1.0");
        assertLine(text, "meshnode_peers{state=\"BACKOFF\"} 2.0");
        for (String s : List.of("IDLE", "CONNECTING", "HANDSHAKING", "PARKED")) {
            assertLine(text, "meshnode_peers{state=\"" + s + "\"} 0.0");
        }
        assertLine(text, "# TYPE meshnode_peers gauge");
    }

    @Test
    void perPeerValuesCarryTheIdPrefixAndAddressInPrometheusUnits() throws IOException {
        PeerDTO p = peer("6ca68e090baa0011223344556677889900aabbcc", "127.0.88.2:7800", PeerState.CONNECTED);
        p.direction = Direction.OUTBOUND;
        p.rttLastMicros = 1500;
        p.rttMinMicros = 1000;
        p.rttAvgMicros = 1250;
        p.handshakeMicros = 20_000;
        p.bytesIn = 4096;
        p.bytesOut = 2048;
        p.messagesIn = 7;
        p.messagesOut = 3;
        p.dialAttempts = 2;
        p.consecutiveFailures = 1;
        fake.peers.add(p);
        fake.peers.add(peer(null, "127.0.88.3:7800", PeerState.CONNECTING));
        String text = scrape();
        String l = "{address=\"127.0.88.2:7800\",peer=\"6ca68e090baa\"}";
        assertLine(text, "meshnode_peer_up" + l + " 1.0");
        assertLine(text, "meshnode_peer_up{address=\"127.0.88.3:7800\",peer=\"\"} 0.0");
        assertLine(text, "meshnode_peer_rtt_seconds" + l + " 0.0015");
        assertLine(text, "meshnode_peer_rtt_min_seconds" + l + " 0.001");
        assertLine(text, "meshnode_peer_rtt_avg_seconds" + l + " 0.00125");
        assertLine(text, "meshnode_peer_handshake_seconds" + l + " 0.02");
        assertLine(text, "meshnode_peer_received_bytes_total" + l + " 4096.0");
        assertLine(text, "meshnode_peer_sent_bytes_total" + l + " 2048.0");
        assertLine(text, "meshnode_peer_received_messages_total" + l + " 7.0");
        assertLine(text, "meshnode_peer_sent_messages_total" + l + " 3.0");
        assertLine(text, "meshnode_peer_dial_attempts_total" + l + " 2.0");
        assertLine(text, "meshnode_peer_consecutive_failures" + l + " 1.0");
        assertLine(text, "# TYPE meshnode_peer_received_bytes_total counter");
        assertFalse(text.contains("meshnode_peer_rtt_seconds{address=\"127.0.88.3:7800\""),
            "no RTT before one is measured");
    }

    @Test
    void aPeerThatLeavesTheTableLeavesTheOutput() throws IOException {
        fake.peers.add(peer("6ca68e090baa0011223344556677889900aabbcc", "127.0.88.2:7800", PeerState.CONNECTED));
        assertTrue(scrape().contains("127.0.88.2:7800"));
        fake.peers.clear();
        String text = scrape();
        assertFalse(text.contains("127.0.88.2:7800"), text);
        assertLine(text, "meshnode_peers{state=\"CONNECTED\"} 0.0");
    }

    @Test
    void nodeCountersOffencesAndBans() throws IOException {
        fake.node.dialAttempts = 12;
        fake.node.offences = 6;
        fake.node.bansImposed = 1;
        BanDTO ban = new BanDTO();
        ban.address = "127.0.88.9";
        banList.add(ban);
        String text = scrape();
        assertLine(text, "meshnode_dial_attempts_total 12.0");
        assertLine(text, "meshnode_offences_total 6.0");
        assertLine(text, "meshnode_bans_total 1.0");
        assertLine(text, "meshnode_bans_active 1.0");
        assertLine(text, "meshnode_listening 1.0");
        assertLine(text, "meshnode_node_info{id=\"a1b2c3d4e5f60718293a4b5c6d7e8f9012345678\",listen=\"127.0.88.1:7800\","
            + "role=\"masternode\"} 1.0");
    }

    @Test
    void closesAreCountedOnceByReasonEveryReasonPresent() throws IOException {
        PeerDTO p = peer(null, "127.0.88.2:7800", PeerState.BACKOFF);
        p.lastCloseReason = CloseReason.TIMEOUT;
        p.lastCloseAt = 1000;
        metrics.peerChanged(p, PeerState.CONNECTED);
        metrics.peerChanged(p, PeerState.BACKOFF); // the same close re-reported by a later event
        PeerDTO q = peer(null, "127.0.88.2:7800", PeerState.CONNECTING);
        q.lastCloseReason = CloseReason.ADMIN;
        q.lastCloseAt = 2000;
        metrics.peerChanged(q, PeerState.CONNECTED);
        String text = scrape();
        assertLine(text, "meshnode_closes_total{reason=\"TIMEOUT\"} 1.0");
        assertLine(text, "meshnode_closes_total{reason=\"ADMIN\"} 1.0");
        assertLine(text, "meshnode_closes_total{reason=\"CONNECT_FAILED\"} 0.0");
        assertLine(text, "meshnode_failures_total{reason=\"TIMEOUT\"} 1.0");
        assertFalse(text.contains("meshnode_failures_total{reason=\"ADMIN\"}"), "ADMIN is not a failure");
        for (CloseReason r : CloseReason.values()) {
            assertTrue(text.contains("meshnode_closes_total{reason=\"" + r + "\"}"), r::name);
        }
    }

    @Test
    void handshakesAreObservedWhenAPeerBecomesConnected() throws IOException {
        PeerDTO p = peer("6ca68e090baa0011223344556677889900aabbcc", "127.0.88.2:7800", PeerState.CONNECTED);
        p.direction = Direction.INBOUND;
        p.handshakeMicros = 3_000;
        metrics.peerChanged(p, PeerState.HANDSHAKING);
        metrics.peerChanged(p, PeerState.CONNECTED); // still the same link: not observed again
        String text = scrape();
        assertLine(text, "meshnode_handshake_duration_seconds_count{direction=\"inbound\"} 1");
        assertLine(text, "meshnode_handshake_duration_seconds_bucket{direction=\"inbound\",le=\"0.0025\"} 0");
        assertLine(text, "meshnode_handshake_duration_seconds_bucket{direction=\"inbound\",le=\"0.005\"} 1");
        assertLine(text, "meshnode_handshake_duration_seconds_sum{direction=\"inbound\"} 0.003");
    }

    @Test
    void withoutTheMeshOnlyUpZeroAndTheEventCounters() throws IOException {
        bound.set(null);
        String text = scrape();
        assertLine(text, "meshnode_up 0.0");
        assertFalse(text.contains("meshnode_peers{"), text);
        assertTrue(text.contains("meshnode_closes_total{reason=\"TIMEOUT\"} 0.0"));
        assertEquals(List.of(), problems);
    }

    @Test
    void aFailingMeshIsReportedAndScrapedAsDown() throws IOException {
        fake.failure = new IllegalStateException("mesh thread stuck");
        assertLine(scrape(), "meshnode_up 0.0");
        assertEquals(1, problems.size());
        assertTrue(problems.get(0).contains("mesh thread stuck"), problems::toString);
    }
}
