package io.meshnode.health.phi.internal;

import static io.meshnode.api.health.LinkObservation.NONE;
import static io.meshnode.api.testing.Configs.map;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongUnaryOperator;

import org.junit.jupiter.api.Test;

import io.meshnode.api.health.HealthDecision;
import io.meshnode.api.health.HealthVerdict;
import io.meshnode.api.health.LinkObservation;
import io.meshnode.api.testing.Configs;
import io.meshnode.api.testing.RecordingLogger;

/** The phi-accrual monitor driven in virtual time by a simulated mesh that keeps the arrival history. */
class PhiMonitorTest {
    private final RecordingLogger log = new RecordingLogger();

    /** The mesh side of one link: observation fields and the arrival history, as mesh.core keeps them. */
    private static final class Mesh {
        final PhiMonitor monitor;
        final List<Long> intervals = new ArrayList<>();
        long now;
        long connectedAt;
        long lastFrameAt;
        long lastPingAt = NONE;
        long pingSentAt = NONE;
        long lastArrivalAt = NONE;
        boolean answered;
        int missed;
        int pings;
        HealthDecision last;

        Mesh(PhiMonitor monitor) {
            this.monitor = monitor;
        }

        HealthDecision assess() {
            long[] history = intervals.stream().mapToLong(Long::longValue).toArray();
            last = monitor.assess(new LinkObservation(connectedAt, lastFrameAt, lastPingAt, pingSentAt, answered, missed, history), now);
            missed = last.missed();
            // A new ping replaces a settled one; either way nothing after it has been heard yet.
            if (last.ping() || last.settled()) {
                pingSentAt = last.ping() ? now : NONE;
                lastPingAt = last.ping() ? now : lastPingAt;
                pings += last.ping() ? 1 : 0;
                answered = false;
            }
            return last;
        }

        void receive() {
            lastFrameAt = now;
            if (pingSentAt != NONE && !answered) {
                answered = true;
                if (lastArrivalAt != NONE) {
                    intervals.add(now - lastArrivalAt);
                }
                lastArrivalAt = now;
            }
        }

        /**
         * Follows the monitor's schedule until {@code until} or a failure; while {@code answering}, the
         * peer answers each ping after {@code delay.applyAsLong(ping number)} ms.
         */
        void run(long until, boolean answering, LongUnaryOperator delay) {
            if (last == null) {
                assess();
            }
            while (last.verdict() != HealthVerdict.FAILED) {
                boolean waiting = answering && pingSentAt != NONE && !answered;
                long answerAt = waiting ? pingSentAt + delay.applyAsLong(pings) : Long.MAX_VALUE;
                long event = Math.min(answerAt, last.nextCheckAt());
                if (event > until) {
                    return;
                }
                now = event;
                if (event == answerAt) {
                    receive();
                } else {
                    assess();
                }
            }
        }

        /** The peer falls silent: runs until the monitor fails the link. @return the silence it took */
        long silenceUntilFailure() {
            long lastFrame = lastFrameAt;
            run(Long.MAX_VALUE / 4, false, n -> 0);
            return now - lastFrame;
        }
    }

    private PhiMonitor monitor(Map<String, Object> cfg) {
        return new PhiMonitor(log.logger(), Configs.of(PhiMonitor.Config.class, cfg), cfg);
    }

    @Test
    void phiIsLowAtTheMeanAndGrowsWithSilence() {
        assertEquals(0.301, PhiAccrual.phi(1000, 1000, 100), 0.001);
        assertTrue(PhiAccrual.phi(1600, 1000, 100) > 8);
        assertTrue(PhiAccrual.phi(1200, 1000, 100) < PhiAccrual.phi(1300, 1000, 100));
    }

    @Test
    void aHealthyPeerIsPingedOncePerIntervalAndNeverSuspected() {
        Mesh mesh = new Mesh(monitor(map()));
        mesh.run(600_000, true, n -> 2 + n % 5);
        assertEquals(HealthVerdict.HEALTHY, mesh.last.verdict());
        assertEquals(601, mesh.pings, "one ping at connect, then one per second for ten minutes");
        assertEquals(599, mesh.intervals.size(), "one interval between each two answered pings");
    }

    @Test
    void aSilentPeerFailsWhenPhiReachesTheThreshold() {
        Mesh mesh = new Mesh(monitor(map()));
        mesh.run(60_000, true, n -> 2);
        long silence = mesh.silenceUntilFailure();
        assertEquals(HealthVerdict.FAILED, mesh.last.verdict());
        // intervals of exactly 1s: mean 1s + 3s acceptable pause, std at its 100ms minimum
        assertTrue(silence > 4_000 && silence < 5_000, "failed after " + silence + " ms of silence");
        assertTrue(PhiAccrual.phi(silence, 4_000, 100) >= 8);
        assertTrue(PhiAccrual.phi(silence - 1, 4_000, 100) < 8, "checked exactly when phi crosses the threshold");
        assertTrue(mesh.last.reason().startsWith("phi "), mesh.last.reason());
    }

    @Test
    void aJitteryLinkIsJudgedMoreLenientlyThanAClockworkOne() {
        Mesh steady = new Mesh(monitor(map()));
        steady.run(120_000, true, n -> 2);
        long steadySilence = steady.silenceUntilFailure();

        Mesh jittery = new Mesh(monitor(map()));
        jittery.run(120_000, true, n -> n % 2 == 0 ? 2 : 900);
        long jitterySilence = jittery.silenceUntilFailure();

        assertTrue(jitterySilence > steadySilence + 1_000,
            "jittery link failed after " + jitterySilence + " ms, steady after " + steadySilence + " ms");
    }

    @Test
    void takingOverFromTheHeartbeatItsLongIntervalsMeanNoFalseFailure() {
        Mesh mesh = new Mesh(monitor(map()));
        // What the mesh recorded under the heartbeat monitor: a ping every 30s, answered at once.
        for (int i = 0; i < 20; i++) {
            mesh.intervals.add(30_000L);
        }
        mesh.now = 600_000;
        mesh.lastFrameAt = 590_000;
        mesh.lastPingAt = 590_000;
        mesh.lastArrivalAt = 590_000;
        mesh.assess();
        assertNotEquals(HealthVerdict.FAILED, mesh.last.verdict(), "10 s of silence is normal for 30 s heartbeats");
        assertTrue(mesh.last.ping());
        mesh.run(mesh.now + 120_000, true, n -> 3);
        assertEquals(HealthVerdict.HEALTHY, mesh.last.verdict());
    }

    @Test
    void takingOverAnIdleLinkWithoutHistoryALatePongIsNoFailure() {
        Mesh mesh = new Mesh(monitor(map()));
        // The heartbeat (30 s) pinged this link once, 29 s ago, and heard nothing since: no interval yet.
        // The mesh hands it over as after a handshake: connected (for phi) now, no ping sent.
        mesh.now = 600_000;
        mesh.connectedAt = 600_000;
        mesh.lastFrameAt = 600_000;
        mesh.assess();
        assertTrue(mesh.last.ping(), "pings at once");
        mesh.run(mesh.now + 1_500, true, n -> n == 1 ? 1_500 : 2); // the first pong 1.5 s after its ping
        assertNotEquals(HealthVerdict.FAILED, mesh.last.verdict());
        mesh.run(mesh.now + 60_000, true, n -> n == 1 ? 1_500 : 2);
        assertEquals(HealthVerdict.HEALTHY, mesh.last.verdict());
    }

    @Test
    void afterAStallOnePingIsSentAndTheSilenceIsNotBlamedOnThePeer() {
        Mesh mesh = new Mesh(monitor(map()));
        mesh.run(30_000, true, n -> 2);
        int before = mesh.pings;
        mesh.now += 20_000; // this node was frozen; its timer fires once, late
        HealthDecision d = mesh.assess();
        assertNotEquals(HealthVerdict.FAILED, d.verdict());
        assertEquals(before + 1, mesh.pings, "exactly one ping after the stall");
        assertTrue(d.nextCheckAt() > mesh.now);
        mesh.run(mesh.now + 10_000, true, n -> 2);
        assertEquals(HealthVerdict.HEALTHY, mesh.last.verdict());
    }

    @Test
    void anUnansweredPingIsCountedAsMissedWhenTheNextIsDue() {
        Mesh mesh = new Mesh(monitor(map("interval", "200ms")));
        mesh.run(10_000, true, n -> 1);
        mesh.run(mesh.now + 500, false, n -> 1);
        assertTrue(mesh.missed >= 1, "missed " + mesh.missed);
        assertEquals(HealthVerdict.SUSPECT, mesh.last.verdict());
        mesh.run(mesh.now + 1_000, true, n -> 1);
        assertEquals(0, mesh.missed);
        assertFalse(mesh.last.verdict() == HealthVerdict.FAILED);
    }

    @Test
    void invalidConfigurationIsReportedAndTheLastGoodOneKept() {
        PhiMonitor m = monitor(map("threshold", "4", "acceptable.pause", "0s"));
        Map<String, Object> bad = map("threshold", "eight", "acceptable.pause", "0s");
        m.modified(Configs.of(PhiMonitor.Config.class, bad), bad);
        assertTrue(log.has("ERROR", "configuration meshnode.phi: threshold = 'eight' is invalid"), log.lines().toString());
        Mesh mesh = new Mesh(m);
        mesh.run(30_000, true, n -> 2);
        long silence = mesh.silenceUntilFailure();
        assertTrue(silence < 1_500, "threshold 4 without pause kept: failed after " + silence + " ms");
    }
}
