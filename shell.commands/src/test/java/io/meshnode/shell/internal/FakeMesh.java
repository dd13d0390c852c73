package io.meshnode.shell.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;

import io.meshnode.api.mesh.Mesh;
import io.meshnode.api.mesh.NodeDTO;
import io.meshnode.api.mesh.PeerDTO;
import io.meshnode.api.mesh.PeerState;
import io.meshnode.api.mesh.ProviderDTO;
import io.meshnode.api.mesh.TransitionDTO;
import io.meshnode.api.transport.CloseReason;
import io.meshnode.api.transport.Direction;

/** A mesh with a fixed peer table; reconnect behaves as the contract says and records what it was asked. */
final class FakeMesh implements Mesh {
    static final long NOW = Instant.parse("2025-03-01T12:00:00Z").toEpochMilli();
    static final String ID = "9f2c4e1a7b3d5c6e8f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6";

    final NodeDTO node = new NodeDTO();
    final List<PeerDTO> peers = new ArrayList<>();
    final List<String> reconnected = new ArrayList<>();

    FakeMesh() {
        node.id = "c0ffee00112233445566778899aabbccddeeff00112233445566778899aabbcc";
        node.role = "masternode";
        node.listen = "127.0.0.1:7800";
        node.listening = true;
        node.missing = List.of();
        node.keyFingerprint = "SHA256:c0ffee";
        node.tls = true;
        node.admit = "peers";
        node.warnings = List.of();
        node.providers = List.of(provider("transport", "io.meshnode.transport.netty.internal.NettyTransport",
            "transport.netty", 0), provider("retry", "io.meshnode.examples.retry.fixed.FixedRetryPolicy",
            "examples.retry.fixed", 100));
    }

    static ProviderDTO provider(String role, String component, String bundle, int ranking) {
        ProviderDTO p = new ProviderDTO();
        p.role = role;
        p.component = component;
        p.bundle = bundle;
        p.version = "0.1.0.SNAPSHOT";
        p.ranking = ranking;
        return p;
    }

    /** Every field set. */
    static PeerDTO connected() {
        PeerDTO p = new PeerDTO();
        p.id = ID;
        p.address = "127.0.0.2:7800";
        p.role = "masternode";
        p.pinned = true;
        p.configured = true;
        p.dialer = true;
        p.state = PeerState.CONNECTED;
        p.direction = Direction.OUTBOUND;
        p.connectedSince = NOW - 3_723_000;
        p.rttLastMicros = 310;
        p.rttMinMicros = 250;
        p.rttAvgMicros = 1_421;
        p.missedPings = 1;
        p.consecutiveFailures = 2;
        p.nextAttemptAt = NOW + 3_000;
        p.lastCloseReason = CloseReason.TIMEOUT;
        p.lastCloseDetail = "3 pings unanswered";
        p.lastCloseAt = NOW - 12_000;
        p.authentication = "tls key, pinned id";
        p.keyFingerprint = "SHA256:q1w2e3";
        p.remoteAddress = "127.0.0.2:7800";
        p.localAddress = "127.0.0.1:41234";
        p.bytesIn = 1_234;
        p.bytesOut = 5_678;
        p.messagesIn = 3;
        p.messagesOut = 4;
        p.history = List.of(transition(NOW - 3_724_000, PeerState.IDLE, PeerState.CONNECTING, "dialing 127.0.0.2:7800"),
            transition(NOW - 3_723_000, PeerState.CONNECTING, PeerState.CONNECTED, "handshake completed (outbound)"));
        return p;
    }

    /** What a configured peer looks like before anything happened to it. */
    static PeerDTO idle(String address) {
        PeerDTO p = new PeerDTO();
        p.address = address;
        p.role = "fullnode";
        p.configured = true;
        p.state = PeerState.IDLE;
        return p;
    }

    static TransitionDTO transition(long at, PeerState from, PeerState to, String reason) {
        TransitionDTO t = new TransitionDTO();
        t.at = at;
        t.from = from;
        t.to = to;
        t.reason = reason;
        return t;
    }

    static PeerDTO parked() {
        PeerDTO p = new PeerDTO();
        p.id = "41d07a55e9c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7";
        p.address = "127.0.0.3:7801";
        p.role = "masternode";
        p.configured = true;
        p.dialer = true;
        p.state = PeerState.PARKED;
        p.consecutiveFailures = 20;
        p.nextAttemptAt = NOW + 272_000;
        p.lastCloseReason = CloseReason.CONNECT_FAILED;
        p.lastCloseDetail = "Connection refused";
        p.lastCloseAt = NOW - 28_000;
        return p;
    }

    @Override
    public NodeDTO node() {
        node.peers = peers.size();
        node.connected = (int) peers.stream().filter(p -> p.state == PeerState.CONNECTED).count();
        return node;
    }

    @Override
    public List<PeerDTO> peers() {
        return List.copyOf(peers);
    }

    @Override
    public PeerDTO peer(String ref) {
        List<PeerDTO> found = peers.stream()
            .filter(p -> ref.equals(p.address) || p.id != null && ref.length() >= 4 && p.id.startsWith(ref))
            .collect(Collectors.toList());
        if (found.isEmpty()) {
            throw new IllegalArgumentException("no peer matches '" + ref + "'");
        }
        if (found.size() > 1) {
            throw new IllegalArgumentException("'" + ref + "' matches " + found.size() + " peers; give more of the id");
        }
        return found.get(0);
    }

    @Override
    public PeerDTO reconnect(String ref) {
        PeerDTO was = peer(ref);
        reconnected.add(ref);
        PeerDTO p = copy(was);
        p.state = PeerState.CONNECTING;
        p.direction = null;
        p.connectedSince = 0;
        p.consecutiveFailures = 0;
        p.nextAttemptAt = 0;
        if (was.state == PeerState.CONNECTED) {
            p.lastCloseReason = CloseReason.ADMIN;
            p.lastCloseDetail = "";
            p.lastCloseAt = NOW;
        }
        peers.set(peers.indexOf(was), p);
        return p;
    }

    /** Adds a configured idle peer, or returns the configured one: as idempotent as the contract asks. */
    @Override
    public PeerDTO connect(String spec) {
        String address = spec.substring(spec.indexOf('@') + 1);
        if (address.equals(node.listen)) {
            throw new IllegalArgumentException("this is the node's own listen address");
        }
        for (PeerDTO p : peers) {
            if (p.address.equals(address)) {
                p.configured = true;
                return p;
            }
        }
        PeerDTO p = idle(address);
        p.role = "masternode";
        peers.add(p);
        return p;
    }

    @Override
    public PeerDTO disconnect(String ref) {
        PeerDTO was = peer(ref);
        peers.remove(was);
        return was;
    }

    /** Connected peers answer in 420 µs; others fail as the contract says. */
    @Override
    public CompletionStage<Duration> ping(String ref) {
        PeerDTO p = peer(ref);
        return p.state == PeerState.CONNECTED ? CompletableFuture.completedFuture(Duration.ofNanos(420_000))
            : CompletableFuture.failedFuture(new IllegalStateException("peer " + p.address + " is not connected"));
    }

    private static PeerDTO copy(PeerDTO o) {
        PeerDTO p = new PeerDTO();
        p.id = o.id;
        p.address = o.address;
        p.role = o.role;
        p.pinned = o.pinned;
        p.configured = o.configured;
        p.dialer = o.dialer;
        p.state = o.state;
        p.direction = o.direction;
        p.connectedSince = o.connectedSince;
        p.rttLastMicros = o.rttLastMicros;
        p.rttMinMicros = o.rttMinMicros;
        p.rttAvgMicros = o.rttAvgMicros;
        p.missedPings = o.missedPings;
        p.consecutiveFailures = o.consecutiveFailures;
        p.nextAttemptAt = o.nextAttemptAt;
        p.lastCloseReason = o.lastCloseReason;
        p.lastCloseDetail = o.lastCloseDetail;
        p.lastCloseAt = o.lastCloseAt;
        return p;
    }
}
