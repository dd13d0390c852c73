package io.meshnode.shell.internal;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import io.meshnode.api.mesh.PeerDTO;
import io.meshnode.api.mesh.PeerState;
import io.meshnode.api.mesh.ProviderDTO;
import io.meshnode.api.mesh.TransitionDTO;
import io.meshnode.api.testing.FakeMesh;
import io.meshnode.api.transport.CloseReason;
import io.meshnode.api.transport.Direction;

/** The node and peers the console tests show, at a fixed time. */
final class MeshFixtures {
    static final long NOW = Instant.parse("2025-03-01T12:00:00Z").toEpochMilli();
    static final String ID = "9f2c4e1a7b3d5c6e8f0a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5a6";

    private MeshFixtures() {
    }

    /** A TLS masternode on 127.0.0.1:7800 with a transport and a retry policy bound, and no peers yet. */
    static FakeMesh mesh() {
        FakeMesh mesh = new FakeMesh();
        mesh.clock = Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC);
        mesh.node.id = "c0ffee00112233445566778899aabbccddeeff00112233445566778899aabbcc";
        mesh.node.keyFingerprint = "SHA256:c0ffee";
        mesh.node.tls = true;
        mesh.node.admit = "peers";
        mesh.node.providers = List.of(provider("transport", "io.meshnode.transport.netty.internal.NettyTransport",
            "transport.netty", 0), provider("retry", "io.meshnode.examples.retry.fixed.FixedRetryPolicy",
            "examples.retry.fixed", 100));
        return mesh;
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
}
