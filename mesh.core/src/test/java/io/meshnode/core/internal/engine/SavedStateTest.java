package io.meshnode.core.internal.engine;

import static io.meshnode.api.testing.Configs.map;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.meshnode.api.mesh.PeerDTO;
import io.meshnode.api.mesh.PeerState;
import io.meshnode.api.retry.RetryDecision;
import io.meshnode.api.retry.RetryPolicy;
import io.meshnode.api.topology.NodeRole;
import io.meshnode.core.internal.config.SavedState;
import io.meshnode.core.internal.security.BanList;
import io.meshnode.core.internal.security.Identity;

/** What a peer's decisions depend on survives a new mesh (an update, a restart), in virtual time. */
class SavedStateTest {
    @TempDir
    Path dir;

    private final VirtualScheduler clock = new VirtualScheduler();
    private final FakeNetwork net = new FakeNetwork(clock);

    private static final RetryPolicy PARK_AFTER_3 = new RetryPolicy() {
        @Override
        public RetryDecision next(NodeRole role, int failures, Duration previous) {
            return failures >= 3 ? RetryDecision.giveUp(Duration.ofHours(1)) : RetryDecision.retryAfter(Duration.ofMillis(100));
        }

        @Override
        public Duration stableAfter() {
            return Duration.ofSeconds(1);
        }
    };

    private TestNode node() throws Exception {
        TestNode n = new TestNode(clock, net, dir, "a", "127.0.0.2:7800");
        n.retry = PARK_AFTER_3;
        return n;
    }

    @Test
    void aParkedPeerAndABanArePickedUpByTheNextMeshAndTheProbeKeepsItsTime() throws Exception {
        TestNode a = node();
        a.start(map("peers", "127.0.0.9:7800", "dial.grace", "50ms", "admit", "any"), false);
        clock.advance(2_000);
        assertEquals(PeerState.PARKED, a.engine.peer("127.0.0.9:7800").state);
        SavedState saved = SavedState.decode(new String(a.engine.save().encode(), StandardCharsets.ISO_8859_1));
        int connections = net.connections.size();

        TestNode b = node(); // the next mesh of the same node
        b.engine = null;
        b.transport = net.transport();
        b.known = a.known;
        b.startWith(map("peers", "127.0.0.9:7800", "dial.grace", "50ms", "admit", "any"), true, saved, 10 * 60_000);
        clock.advance(10_000);
        PeerDTO p = b.engine.peer("127.0.0.9:7800");
        assertEquals(PeerState.PARKED, p.state, p.history::toString);
        assertEquals(3, p.consecutiveFailures);
        assertEquals(0, countDials(b), "not dialed by the new mesh: " + p.history);
        assertEquals(connections, net.connections.size());
        long probeIn = p.nextAttemptAt - clock.wallClock();
        assertTrue(probeIn > 45 * 60_000 && probeIn <= 50 * 60_000, "the hourly probe keeps its time less the 10 min: " + probeIn);
    }

    private static int countDials(TestNode n) {
        return (int) n.log.lines().stream().filter(l -> l.contains("→ CONNECTING")).count();
    }

    @Test
    void bansAndOffencesAreSavedAndTakenBackLessTheTimeSince() throws Exception {
        BanList bans = new BanList(clock);
        InetAddress bad = InetAddress.getByName("10.0.0.5");
        for (int i = 0; i < 5; i++) {
            bans.offence(bad, null, false, "PROTOCOL_ERROR: garbage");
        }
        bans.offence(InetAddress.getByName("10.0.0.6"), "ab".repeat(20), true, "REFUSED: not admitted");
        SavedState s = SavedState.decode(new String(new SavedState(clock.wallClock(), java.util.Map.of(), bans.save())
            .encode(), StandardCharsets.ISO_8859_1));
        BanList next = new BanList(clock);
        next.restore(s.bans(), 60_000);
        assertTrue(next.banned(bad), "still banned after a minute of a ten-minute ban");
        assertEquals(1, next.bans().size());
        BanList later = new BanList(clock);
        later.restore(s.bans(), 11 * 60_000);
        assertTrue(!later.banned(bad) && later.bans().isEmpty(), "the ban ran out meanwhile");
    }

    @Test
    void aDamagedStateIsRefusedWithTheReason() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> SavedState.decode("savedAt=yesterday\n"));
        assertTrue(e.getMessage().contains("savedAt = 'yesterday' is not a number"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SavedState.decode("savedAt=1\npeer.x.failures=many\n"));
    }

    @Test
    void theStateAndThePrivateKeyAreOwnerOnlyAndWrittenWhole() throws Exception {
        new SavedState(1, java.util.Map.of(), java.util.List.of()).write(dir);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(SavedState.FILE))));
        Identity.loadOrCreate(dir.resolve("keys"));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("keys/node.key"))));
        assertTrue(Files.list(dir).noneMatch(f -> f.toString().endsWith(".tmp")), "no temporary file left");
    }

    @Test
    void aPeerLinkedWhenSavedIsDialedAgainWithItsFailuresKept() throws Exception {
        java.util.Map<String, SavedState.SavedPeer> peers = java.util.Map.of("127.0.0.9:7800",
            new SavedState.SavedPeer("127.0.0.9:7800", null, 8, 3_000, 0, false, -1, new long[0]));
        TestNode a = node();
        a.startWith(map("peers", "127.0.0.9:7800", "dial.grace", "50ms", "admit", "any"), false,
            new SavedState(clock.wallClock(), peers, java.util.List.of()), 1_000);
        clock.advance(1_000);
        PeerDTO p = a.engine.peer("127.0.0.9:7800");
        assertTrue(countDials(a) > 0, "dialed: a peer linked when the state was saved has a next step: " + p.history);
    }
}
