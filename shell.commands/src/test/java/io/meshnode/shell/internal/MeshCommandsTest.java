package io.meshnode.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.meshnode.api.mesh.PeerDTO;
import io.meshnode.api.mesh.PeerState;
import io.meshnode.api.testing.FakeMesh;

class MeshCommandsTest {
    private final FakeMesh mesh = MeshFixtures.mesh();
    private final MeshCommands commands = new MeshCommands(mesh);

    @BeforeEach
    void peers() {
        mesh.peers.add(MeshFixtures.connected());
        mesh.peers.add(MeshFixtures.parked());
        mesh.peers.add(MeshFixtures.idle("10.0.0.9:7800"));
    }

    private static List<String> addresses(List<PeerDTO> peers) {
        return peers.stream().map(p -> p.address).collect(Collectors.toList());
    }

    @Test
    void peersFiltersByStateInAnyCase() {
        assertEquals(List.of("127.0.0.2:7800", "127.0.0.3:7801", "10.0.0.9:7800"), addresses(commands.peers("")));
        assertEquals(List.of("127.0.0.3:7801"), addresses(commands.peers("parked")));
        assertEquals(List.of("127.0.0.3:7801"), addresses(commands.peers(" PaRkEd ")));
        assertEquals(List.of(), addresses(commands.peers("BACKOFF")));
    }

    @Test
    void aStateThatDoesNotExistIsRefusedWithTheValidOnes() {
        Exception e = assertThrows(IllegalArgumentException.class, () -> commands.peers("down"));
        assertEquals("unknown peer state 'down'; valid states: IDLE, CONNECTING, HANDSHAKING, CONNECTED, BACKOFF, PARKED",
            e.getMessage());
    }

    @Test
    void anUnknownOrAmbiguousPeerPropagatesTheMeshsMessageAndChangesNothing() {
        assertEquals("no peer matches 'abcd'",
            assertThrows(IllegalArgumentException.class, () -> commands.reconnect(false, "abcd")).getMessage());
        mesh.peers.add(MeshFixtures.idle("10.0.0.10:7800"));
        mesh.peers.get(3).id = MeshFixtures.ID.substring(0, 8) + "ffff";
        assertEquals("'9f2c' matches 2 peers; give more of the id",
            assertThrows(IllegalArgumentException.class, () -> commands.reconnect(false, "9f2c")).getMessage());
        assertEquals("no peer matches 'abcd'",
            assertThrows(IllegalArgumentException.class, () -> commands.peer("abcd")).getMessage());
        assertEquals(List.of(), mesh.reconnected);
    }

    @Test
    void reconnectReturnsThePeersAfterTheRequestAndKeepsWhatTheyWere() {
        Reconnects r = commands.reconnect(false, "127.0.0.3:7801");
        assertEquals(List.of("127.0.0.3:7801"), mesh.reconnected);
        assertEquals(PeerState.CONNECTING, r.get(0).state);
        assertEquals(PeerState.PARKED, r.before(0).state);
        assertEquals(20, r.before(0).consecutiveFailures);
    }

    @Test
    void reconnectAllNamesEveryPeerByIdOrElseByAddress() {
        Reconnects r = commands.reconnect(true);
        assertEquals(List.of(MeshFixtures.ID, MeshFixtures.parked().id, "10.0.0.9:7800"), mesh.reconnected);
        assertEquals(3, r.size());
        assertEquals(List.of(PeerState.CONNECTED, PeerState.PARKED, PeerState.IDLE),
            List.of(r.before(0).state, r.before(1).state, r.before(2).state));
    }

    @Test
    void statusCountsThePeersPerState() {
        NodeStatus s = commands.status();
        assertEquals(3, s.peers().size());
        assertEquals(Map.of(PeerState.IDLE, 1, PeerState.CONNECTING, 0, PeerState.HANDSHAKING, 0, PeerState.CONNECTED, 1,
            PeerState.BACKOFF, 0, PeerState.PARKED, 1), s.counts());
    }

    @Test
    void withoutTheMeshServiceEveryCommandSaysWhy() {
        MeshCommands none = new MeshCommands();
        for (Runnable call : List.<Runnable>of(none::status, () -> none.peers(""), () -> none.peer("9f2c"),
            () -> none.reconnect(false, "9f2c"), () -> none.reconnect(true))) {
            assertEquals(MeshCommands.UNAVAILABLE, assertThrows(IllegalStateException.class, call::run).getMessage());
        }
    }
}
