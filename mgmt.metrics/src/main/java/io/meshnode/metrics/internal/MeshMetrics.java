package io.meshnode.metrics.internal;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

import io.meshnode.api.mesh.BanDTO;
import io.meshnode.api.mesh.Bans;
import io.meshnode.api.mesh.Mesh;
import io.meshnode.api.mesh.NodeDTO;
import io.meshnode.api.mesh.PeerDTO;
import io.meshnode.api.mesh.PeerState;
import io.meshnode.api.transport.CloseReason;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;

/**
 * The node's metrics in a Prometheus registry. What the peer table holds (states, per-peer traffic, RTT, dial
 * attempts, offences and bans) is read from the bound {@link Mesh} and {@link Bans} at each scrape, so a peer that
 * leaves the table leaves the output with it. What only the change events tell (closes by reason, handshake
 * latencies) is counted from {@link #peerChanged}, with bounded label values (reasons, directions).
 */
final class MeshMetrics implements MultiCollector {
    /** Length of the node id prefix in the {@code peer} label, as in the log and the console. */
    static final int ID_PREFIX = 12;
    /** Peers whose last counted close is remembered, so that a close re-reported by a later event is not counted twice. */
    private static final int REMEMBERED_PEERS = 4096;
    static final double[] HANDSHAKE_BUCKETS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

    private final Supplier<Mesh> mesh;
    private final Supplier<Bans> bans;
    private final Consumer<String> problems;
    private final Counter closes;
    private final Counter failures;
    private final Histogram handshakes;
    /** Guarded by this: events come from one mesh thread, a new one after mesh.core is updated. Bounded, LRU. */
    private final Map<String, Long> countedCloseAt = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Long> eldest) {
            return size() > REMEMBERED_PEERS;
        }
    };

    /**
     * @param mesh the mesh bound now, or {@code null}
     * @param bans the ban list bound now, or {@code null}
     * @param problems where a failing mesh call is reported (once per scrape at most)
     */
    MeshMetrics(PrometheusRegistry registry, Supplier<Mesh> mesh, Supplier<Bans> bans, Consumer<String> problems) {
        this.mesh = mesh;
        this.bans = bans;
        this.problems = problems;
        closes = Counter.builder().name("meshnode_closes_total")
            .help("Links closed and dials failed since this bundle started, by close reason")
            .labelNames("reason").withoutExemplars().register(registry);
        failures = Counter.builder().name("meshnode_failures_total")
            .help("Closes and failed dials that count as a failure of the peer (reason is a failure), by reason")
            .labelNames("reason").withoutExemplars().register(registry);
        for (CloseReason r : CloseReason.values()) {
            closes.initLabelValues(r.name());
            if (r.isFailure()) {
                failures.initLabelValues(r.name());
            }
        }
        handshakes = Histogram.builder().name("meshnode_handshake_duration_seconds")
            .help("Handshakes that made a peer CONNECTED: outbound from the dial to the completed hello exchange "
                + "(TCP, TLS, hello), inbound from the accepted TLS connection to the completed hello exchange")
            .unit(Unit.SECONDS).labelNames("direction").classicOnly().classicUpperBounds(HANDSHAKE_BUCKETS)
            .withoutExemplars().register(registry);
        registry.register(this);
    }

    /** Counts closes and handshakes; called on the mesh thread, in order. */
    synchronized void peerChanged(PeerDTO peer, PeerState previous) {
        if (peer.lastCloseReason != null && peer.address != null) {
            Long counted = countedCloseAt.get(peer.address);
            if (counted == null || peer.lastCloseAt > counted) {
                // A peer seen for the first time with a close already recorded (this bundle started later) counts
                // that close once: it happened, and the counter starts at this bundle's start anyway.
                countedCloseAt.put(peer.address, peer.lastCloseAt);
                closes.labelValues(peer.lastCloseReason.name()).inc();
                if (peer.lastCloseReason.isFailure()) {
                    failures.labelValues(peer.lastCloseReason.name()).inc();
                }
            }
        }
        if (peer.state == PeerState.CONNECTED && previous != PeerState.CONNECTED && peer.handshakeMicros >= 0
            && peer.direction != null) {
            handshakes.labelValues(peer.direction.name().toLowerCase(java.util.Locale.ROOT))
                .observe(peer.handshakeMicros / 1e6);
        }
    }

    @Override
    public MetricSnapshots collect() {
        List<MetricSnapshot> out = new ArrayList<>();
        Mesh m = mesh.get();
        NodeDTO node = null;
        List<PeerDTO> peers = null;
        if (m != null) {
            try {
                node = m.node();
                peers = m.peers();
            } catch (RuntimeException e) {
                problems.accept("metrics: the mesh did not answer this scrape: " + e);
                node = null;
            }
        }
        out.add(gauge("meshnode_up", "1 if the mesh service answered this scrape, 0 if it is absent (mesh.core "
            + "stopped or updating) or failed", Labels.EMPTY, node != null ? 1 : 0));
        if (node == null) {
            return new MetricSnapshots(out);
        }
        out.add(gauge("meshnode_node_info", "This node: id, role and listen endpoint (value always 1)",
            Labels.of("id", text(node.id), "role", text(node.role), "listen", text(node.listen)), 1));
        out.add(gauge("meshnode_listening", "1 while a transport is bound and accepting", Labels.EMPTY,
            node.listening ? 1 : 0));
        out.add(peersByState(peers));
        out.add(counter("meshnode_dial_attempts", "Dials to peers started since the mesh started", Labels.EMPTY,
            node.dialAttempts));
        out.add(counter("meshnode_offences", "Offences counted against the sources of inbound connections since the "
            + "mesh started", Labels.EMPTY, node.offences));
        out.add(counter("meshnode_bans", "Bans imposed on source addresses since the mesh started", Labels.EMPTY,
            node.bansImposed));
        Integer inForce = bansInForce();
        if (inForce != null) {
            out.add(gauge("meshnode_bans_active", "Source addresses banned now", Labels.EMPTY, inForce));
        }
        addPeerMetrics(out, peers);
        return new MetricSnapshots(out);
    }

    private Integer bansInForce() {
        Bans b = bans.get();
        if (b == null) {
            return null;
        }
        try {
            List<BanDTO> list = b.bans();
            return list == null ? 0 : list.size();
        } catch (RuntimeException e) {
            problems.accept("metrics: the ban list did not answer this scrape: " + e);
            return null;
        }
    }

    private static MetricSnapshot peersByState(List<PeerDTO> peers) {
        Map<PeerState, Integer> counts = new EnumMap<>(PeerState.class);
        for (PeerState s : PeerState.values()) {
            counts.put(s, 0);
        }
        for (PeerDTO p : peers) {
            if (p.state != null) {
                counts.merge(p.state, 1, Integer::sum);
            }
        }
        GaugeSnapshot.Builder b = GaugeSnapshot.builder().name("meshnode_peers")
            .help("Known peers by state (every state present, 0 when none)");
        counts.forEach((s, n) -> b.dataPoint(GaugeDataPointSnapshot.builder().labels(Labels.of("state", s.name()))
            .value(n).build()));
        return b.build();
    }

    /** One family per per-peer value, with the labels {@code peer} (id prefix) and {@code address}. */
    private static void addPeerMetrics(List<MetricSnapshot> out, List<PeerDTO> peers) {
        GaugeSnapshot.Builder up = GaugeSnapshot.builder().name("meshnode_peer_up")
            .help("1 while the peer is CONNECTED (a live, handshaken link), else 0");
        GaugeSnapshot.Builder rtt = GaugeSnapshot.builder().name("meshnode_peer_rtt_seconds").unit(Unit.SECONDS)
            .help("Last measured round-trip time of the live link (absent until measured)");
        GaugeSnapshot.Builder rttMin = GaugeSnapshot.builder().name("meshnode_peer_rtt_min_seconds").unit(Unit.SECONDS)
            .help("Smallest round-trip time of the live link");
        GaugeSnapshot.Builder rttAvg = GaugeSnapshot.builder().name("meshnode_peer_rtt_avg_seconds").unit(Unit.SECONDS)
            .help("Average round-trip time of the live link");
        GaugeSnapshot.Builder handshake = GaugeSnapshot.builder().name("meshnode_peer_handshake_seconds")
            .unit(Unit.SECONDS).help("How long the live link took to complete its handshake");
        CounterSnapshot.Builder bytesIn = CounterSnapshot.builder().name("meshnode_peer_received_bytes")
            .unit(Unit.BYTES).help("Bytes of frames received from the peer since the mesh started");
        CounterSnapshot.Builder bytesOut = CounterSnapshot.builder().name("meshnode_peer_sent_bytes")
            .unit(Unit.BYTES).help("Bytes of frames sent to the peer since the mesh started");
        CounterSnapshot.Builder msgIn = CounterSnapshot.builder().name("meshnode_peer_received_messages")
            .help("Application messages received from the peer since the mesh started");
        CounterSnapshot.Builder msgOut = CounterSnapshot.builder().name("meshnode_peer_sent_messages")
            .help("Application messages sent to the peer since the mesh started");
        CounterSnapshot.Builder dials = CounterSnapshot.builder().name("meshnode_peer_dial_attempts")
            .help("Dials to the peer started since the mesh started");
        GaugeSnapshot.Builder failures = GaugeSnapshot.builder().name("meshnode_peer_consecutive_failures")
            .help("Failures since the peer's last stable connection");
        GaugeSnapshot.Builder missed = GaugeSnapshot.builder().name("meshnode_peer_missed_pings")
            .help("Consecutive unanswered pings on the live link");
        for (PeerDTO p : peers) {
            Labels labels = peerLabels(p);
            up.dataPoint(gaugePoint(labels, p.state == PeerState.CONNECTED ? 1 : 0));
            if (p.rttLastMicros >= 0) {
                rtt.dataPoint(gaugePoint(labels, p.rttLastMicros / 1e6));
            }
            if (p.rttMinMicros >= 0) {
                rttMin.dataPoint(gaugePoint(labels, p.rttMinMicros / 1e6));
            }
            if (p.rttAvgMicros >= 0) {
                rttAvg.dataPoint(gaugePoint(labels, p.rttAvgMicros / 1e6));
            }
            if (p.state == PeerState.CONNECTED && p.handshakeMicros >= 0) {
                handshake.dataPoint(gaugePoint(labels, p.handshakeMicros / 1e6));
            }
            bytesIn.dataPoint(counterPoint(labels, p.bytesIn));
            bytesOut.dataPoint(counterPoint(labels, p.bytesOut));
            msgIn.dataPoint(counterPoint(labels, p.messagesIn));
            msgOut.dataPoint(counterPoint(labels, p.messagesOut));
            dials.dataPoint(counterPoint(labels, p.dialAttempts));
            failures.dataPoint(gaugePoint(labels, p.consecutiveFailures));
            missed.dataPoint(gaugePoint(labels, p.missedPings));
        }
        out.add(up.build());
        out.add(rtt.build());
        out.add(rttMin.build());
        out.add(rttAvg.build());
        out.add(handshake.build());
        out.add(bytesIn.build());
        out.add(bytesOut.build());
        out.add(msgIn.build());
        out.add(msgOut.build());
        out.add(dials.build());
        out.add(failures.build());
        out.add(missed.build());
    }

    /** {@code peer}: the first 12 hex digits of the node id (empty until known); {@code address}: its listen endpoint. */
    static Labels peerLabels(PeerDTO p) {
        String id = p.id == null ? "" : p.id.substring(0, Math.min(ID_PREFIX, p.id.length()));
        return Labels.of("peer", id, "address", text(p.address));
    }

    private static String text(String s) {
        return s == null ? "" : s;
    }

    private static GaugeSnapshot gauge(String name, String help, Labels labels, double value) {
        return GaugeSnapshot.builder().name(name).help(help).dataPoint(gaugePoint(labels, value)).build();
    }

    private static CounterSnapshot counter(String name, String help, Labels labels, double value) {
        return CounterSnapshot.builder().name(name).help(help).dataPoint(counterPoint(labels, value)).build();
    }

    private static GaugeDataPointSnapshot gaugePoint(Labels labels, double value) {
        return GaugeDataPointSnapshot.builder().labels(labels).value(value).build();
    }

    private static CounterDataPointSnapshot counterPoint(Labels labels, double value) {
        return CounterDataPointSnapshot.builder().labels(labels).value(value).build();
    }
}
