package io.meshnode.shell.internal;

import static io.meshnode.shell.internal.MeshFixtures.NOW;
import static org.apache.felix.service.command.Converter.INSPECT;
import static org.apache.felix.service.command.Converter.LINE;
import static org.apache.felix.service.command.Converter.PART;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.meshnode.api.mesh.PeerDTO;
import io.meshnode.api.mesh.PeerState;
import io.meshnode.api.testing.FakeMesh;
import io.meshnode.api.transport.CloseReason;

class MeshConverterTest {
    private final MeshConverter converter = new MeshConverter(Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC));
    private final FakeMesh mesh = MeshFixtures.mesh();

    private String format(Object o, int level) {
        return String.valueOf(converter.format(o, level, null));
    }

    @Test
    void inspectShowsEveryFieldWithLocalTimesRelativeTimesAndRttInMilliseconds() {
        assertEquals(String.join("\n",
            "id                 " + MeshFixtures.ID,
            "address            127.0.0.2:7800 (listen)",
            "connection         127.0.0.1:41234 -> 127.0.0.2:7800",
            "role               masternode",
            "state              CONNECTED",
            "direction          OUTBOUND",
            "pinned             yes",
            "authentication     tls key, pinned id",
            "key fingerprint    SHA256:q1w2e3",
            "configured         yes",
            "dialer             this node dials the pair",
            "connected since    2025-03-01T10:57:57.000 (1h02m ago)",
            "rtt last           0.31 ms",
            "rtt min            0.25 ms",
            "rtt avg            1.42 ms",
            "missed pings       1",
            "failures           2",
            "next attempt       2025-03-01T12:00:03.000 (in 3s)",
            "last close         TIMEOUT",
            "last close detail  3 pings unanswered",
            "last close at      2025-03-01T11:59:48.000 (12s ago)",
            "bytes in/out       1234 / 5678",
            "messages in/out    3 / 4",
            "history",
            "  2025-03-01T10:57:56.000 (1h02m ago)  IDLE -> CONNECTING       dialing 127.0.0.2:7800",
            "  2025-03-01T10:57:57.000 (1h02m ago)  CONNECTING -> CONNECTED  handshake completed (outbound)"),
            format(MeshFixtures.connected(), INSPECT));
    }

    @Test
    void inspectShowsADashForWhatIsNotKnownOrNotApplicable() {
        assertEquals(String.join("\n",
            "id                 -",
            "address            10.0.0.9:7800 (listen)",
            "connection         -",
            "role               fullnode",
            "state              IDLE",
            "direction          -",
            "pinned             no",
            "authentication     -",
            "key fingerprint    -",
            "configured         yes",
            "dialer             the peer dials the pair",
            "connected since    -",
            "rtt last           -",
            "rtt min            -",
            "rtt avg            -",
            "missed pings       0",
            "failures           0",
            "next attempt       -",
            "last close         -",
            "last close detail  -",
            "last close at      -",
            "bytes in/out       0 / 0",
            "messages in/out    0 / 0"), format(MeshFixtures.idle("10.0.0.9:7800"), INSPECT));
    }

    @Test
    void timesAreShownInTheClocksZone() {
        MeshConverter paris = new MeshConverter(Clock.fixed(Instant.ofEpochMilli(NOW), ZoneId.of("Europe/Paris")));
        String detail = paris.format(MeshFixtures.connected(), INSPECT, null).toString();
        assertTrue(detail.contains("\nlast close at      2025-03-01T12:59:48.000 (12s ago)\n"), detail);
        assertTrue(detail.contains("\n  2025-03-01T11:57:57.000 (1h02m ago)  CONNECTING -> CONNECTED"), detail);
    }

    @Test
    void aLoneLineUsesFixedMinimumWidthsSoRowsOfSeparateCallsLineUp() {
        assertEquals("9f2c4e1a7b3d  127.0.0.2:7800         masternode  CONNECTED    out    1h02m    0.31 ms     2  in 3s"
            + "    TIMEOUT 12s ago", format(MeshFixtures.connected(), LINE));
        assertEquals("-             10.0.0.9:7800          fullnode    IDLE         -          -          -     0  -"
            + "        -", format(MeshFixtures.idle("10.0.0.9:7800"), LINE));
        assertEquals("-             -                      -           -            -          -          -     0  -"
            + "        -", format(new PeerDTO(), LINE));
    }

    @Test
    void partIsTheShortIdAtTheAddress() {
        assertEquals("9f2c4e1a7b3d@127.0.0.2:7800", format(MeshFixtures.connected(), PART));
        assertEquals("10.0.0.9:7800", format(MeshFixtures.idle("10.0.0.9:7800"), PART));
    }

    @Test
    void aPeerTableHasAHeaderAndColumnsAsWideAsTheirWidestCell() {
        PeerTable table = new PeerTable(
            List.of(MeshFixtures.connected(), MeshFixtures.parked(), MeshFixtures.idle("[fd00::1]:7800")));
        String text = format(table, INSPECT);
        assertEquals(String.join("\n",
            "ID            ADDRESS         ROLE        STATE      DIR  UPTIME      RTT  FAIL  NEXT      LAST-CLOSE",
            "9f2c4e1a7b3d  127.0.0.2:7800  masternode  CONNECTED  out   1h02m  0.31 ms     2  in 3s     TIMEOUT 12s ago",
            "41d07a55e9c3  127.0.0.3:7801  masternode  PARKED     -         -        -    20  in 4m32s  CONNECT_FAILED 28s ago",
            "-             [fd00::1]:7800  fullnode    IDLE       -         -        -     0  -         -"), text);
        assertEquals("[9f2c4e1a7b3d@127.0.0.2:7800, 41d07a55e9c3@127.0.0.3:7801, [fd00::1]:7800]", format(table, LINE));
        assertEquals("no peers", format(new PeerTable(List.of()), INSPECT));
    }

    @Test
    void statusHasAHeadlineTheCountsAndThePeerTable() {
        mesh.peers.add(MeshFixtures.connected());
        mesh.peers.add(MeshFixtures.parked());
        NodeStatus status = new NodeStatus(mesh.node(), mesh.peers());
        assertEquals(String.join("\n",
            "node " + mesh.node.id + " masternode listening on 127.0.0.1:7800",
            "key SHA256:c0ffee, TLS, admit peers",
            "peers 2: 1 CONNECTED, 1 PARKED",
            "",
            "ROLE       PROVIDER                                             BUNDLE                               RANKING",
            "transport  io.meshnode.transport.netty.internal.NettyTransport  transport.netty 0.1.0.SNAPSHOT       0",
            "retry      io.meshnode.examples.retry.fixed.FixedRetryPolicy    examples.retry.fixed 0.1.0.SNAPSHOT  100",
            "",
            "ID            ADDRESS         ROLE        STATE      DIR  UPTIME      RTT  FAIL  NEXT      LAST-CLOSE",
            "9f2c4e1a7b3d  127.0.0.2:7800  masternode  CONNECTED  out   1h02m  0.31 ms     2  in 3s     TIMEOUT 12s ago",
            "41d07a55e9c3  127.0.0.3:7801  masternode  PARKED     -         -        -    20  in 4m32s  CONNECT_FAILED 28s ago"),
            format(status, INSPECT));
        assertEquals("node " + mesh.node.id + " masternode listening on 127.0.0.1:7800, peers 2: 1 CONNECTED, 1 PARKED",
            format(status, LINE));
        assertEquals("c0ffee001122", format(status, PART));
    }

    @Test
    void aNodeThatIsNotListeningSaysWhatItWaitsFor() {
        mesh.node.listening = false;
        mesh.node.missing = List.of("transport");
        mesh.node.providers = List.of();
        mesh.node.tls = false;
        mesh.node.warnings = List.of("links are plain TCP (tls = off): peers are not authenticated");
        assertEquals(String.join("\n",
            "node " + mesh.node.id + " masternode NOT listening on 127.0.0.1:7800 (missing: transport)",
            "key SHA256:c0ffee, plain TCP, admit peers",
            "WARNING: links are plain TCP (tls = off): peers are not authenticated",
            "peers 0",
            "",
            "ROLE       PROVIDER      BUNDLE  RANKING",
            "transport  (none bound)  -       -"), format(new NodeStatus(mesh.node(), List.of()), INSPECT));
        assertEquals(String.join("\n",
            "node " + mesh.node.id + " masternode NOT listening on 127.0.0.1:7800 (missing: transport)",
            "peers 0 (0 connected)"), format(mesh.node(), INSPECT));
    }

    @Test
    void reconnectsSayWhatEachPeerWasBefore() {
        PeerDTO after = MeshFixtures.parked();
        after.consecutiveFailures = 0;
        after.state = PeerState.CONNECTING;
        PeerDTO once = MeshFixtures.idle("10.0.0.9:7800");
        once.consecutiveFailures = 1;
        PeerDTO failedAtOnce = MeshFixtures.idle("10.0.0.9:7800");
        failedAtOnce.state = PeerState.BACKOFF;
        failedAtOnce.lastCloseReason = CloseReason.CONNECT_FAILED;
        assertEquals(String.join("\n",
            "reconnecting 41d07a55e9c3 127.0.0.3:7801 (was PARKED, 20 failures): dialing now, failure count reset",
            "reconnecting - 10.0.0.9:7800 (was IDLE, 1 failure): the dial failed at once (CONNECT_FAILED), now BACKOFF, failure count reset"),
            format(new Reconnects(List.of(MeshFixtures.parked(), once), List.of(after, failedAtOnce)), INSPECT));
        assertEquals("no peers to reconnect", format(new Reconnects(List.of(), List.of()), INSPECT));
    }

    @Test
    void everythingElseIsLeftToGogo() throws Exception {
        assertNull(converter.format("text", INSPECT, null));
        assertNull(converter.format(List.of(MeshFixtures.connected()), INSPECT, null));
        assertNull(converter.format(42, LINE, null));
        assertNull(converter.convert(PeerDTO.class, "9f2c"));
    }

    @Test
    void durationsUseAtMostTwoUnits() {
        assertEquals(List.of("0ms", "250ms", "12s", "4m05s", "3h07m", "2d04h"),
            List.of(MeshConverter.compact(0), MeshConverter.compact(250), MeshConverter.compact(12_999),
                MeshConverter.compact(245_000), MeshConverter.compact(11_220_000), MeshConverter.compact(187_200_000)));
        assertEquals("in 3s", MeshConverter.relative(NOW + 3_000, NOW));
        assertEquals("12s ago", MeshConverter.relative(NOW - 12_000, NOW));
    }
}
