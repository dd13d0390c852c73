package io.meshnode.health.internal;

import static io.meshnode.api.health.LinkObservation.NONE;
import static io.meshnode.api.testing.Configs.map;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.meshnode.api.health.HealthDecision;
import io.meshnode.api.health.HealthVerdict;
import io.meshnode.api.health.LinkObservation;
import io.meshnode.api.testing.Configs;
import io.meshnode.api.testing.RecordingLogger;

/**
 * Drives the monitor the way the mesh does, in virtual time: a simulated link holds the observation,
 * the test advances the clock to each decision's next check.
 */
class HeartbeatMonitorTest {
    private final RecordingLogger log = new RecordingLogger();

    /** The mesh side of one link, as mesh.core keeps it. */
    private static final class Link {
        final HeartbeatMonitor monitor;
        long now;
        long lastFrameAt;
        long lastPingAt = NONE;
        long pingSentAt = NONE;
        boolean answered;
        int missed;
        int pings;
        HealthDecision last;

        Link(HeartbeatMonitor monitor) {
            this.monitor = monitor;
        }

        HealthDecision check() {
            last = monitor.assess(new LinkObservation(0, lastFrameAt, lastPingAt, pingSentAt, answered, missed), now);
            missed = last.missed();
            if (last.settled()) {
                pingSentAt = NONE;
            }
            if (last.ping()) {
                pings++;
                lastPingAt = now;
                pingSentAt = now;
                answered = false;
            }
            return last;
        }

        void frame() {
            lastFrameAt = now;
            answered = pingSentAt != NONE;
        }

        /** Runs checks at each requested time until {@code until}, or until the link fails. */
        void runUntil(long until, boolean peerAnswers, long rtt) {
            while (last == null || last.verdict() != HealthVerdict.FAILED) {
                long next = last == null ? now : last.nextCheckAt();
                if (peerAnswers && pingSentAt != NONE && !answered && pingSentAt + rtt <= next
                    && pingSentAt + rtt <= until) {
                    now = pingSentAt + rtt;
                    frame();
                    continue;
                }
                if (next > until) {
                    return;
                }
                now = next;
                check();
            }
        }
    }

    private HeartbeatMonitor monitor(Map<String, Object> cfg) {
        return new HeartbeatMonitor(log.logger(), Configs.of(HeartbeatMonitor.Config.class, cfg), cfg);
    }

    @Test
    void aHealthyPeerIsPingedOncePerIntervalAndNeverFails() {
        Link link = new Link(monitor(map("interval", "30ms", "timeout", "10ms", "missed", "3")));
        link.runUntil(3_000, true, 2);
        assertEquals(HealthVerdict.HEALTHY, link.last.verdict());
        assertEquals(101, link.pings, "one ping at connect, then one per 30ms");
    }

    @Test
    void aSilentPeerFailsAfterMissedTimesTheIntervalPlusTheTimeout() {
        Link link = new Link(monitor(map()));
        link.runUntil(Long.MAX_VALUE / 4, false, 0);
        assertEquals(HealthVerdict.FAILED, link.last.verdict());
        assertEquals(3, link.missed);
        // pings at 0, 30s, 60s; the third goes unanswered at 70s
        assertEquals(70_000, link.now);
        assertTrue(link.last.reason().contains("3 consecutive pings unanswered"));
    }

    @Test
    void anyFrameCountsAsAliveSoABusyLinkWithALatePongIsNotFailed() {
        Link link = new Link(monitor(map("interval", "30ms", "timeout", "10ms", "missed", "1")));
        link.check(); // ping at 0
        link.now = 5;
        link.frame(); // data, the pong is queued behind it
        link.now = 10;
        HealthDecision d = link.check();
        assertEquals(HealthVerdict.HEALTHY, d.verdict());
        assertTrue(d.settled());
        assertEquals(0, d.missed());
    }

    @Test
    void oneMissThenAnAnswerResetsTheCount() {
        Link link = new Link(monitor(map("interval", "30ms", "timeout", "10ms", "missed", "3")));
        link.check();
        link.now = 10;
        assertEquals(HealthVerdict.SUSPECT, link.check().verdict());
        assertEquals(1, link.missed);
        link.now = 30;
        assertTrue(link.check().ping());
        link.now = 31;
        link.frame();
        link.now = 40;
        assertEquals(HealthVerdict.HEALTHY, link.check().verdict());
        assertEquals(0, link.missed);
    }

    @Test
    void afterAStallOnePingIsSentNotAFlood() {
        Link link = new Link(monitor(map("interval", "30ms", "timeout", "10ms", "missed", "3")));
        link.runUntil(100, true, 1);
        int before = link.pings;
        // The node freezes for 20 s: its timer fires once, late.
        link.now += 20_000;
        link.frame(); // frames queued during the freeze are read on resume
        link.check();
        assertEquals(before + 1, link.pings, "exactly one ping after the stall");
        assertTrue(link.last.nextCheckAt() > link.now, "the next check is in the future, not a catch-up");
        int afterResume = link.pings;
        link.runUntil(link.now + 30, true, 1);
        assertTrue(link.pings - afterResume <= 1);
    }

    @Test
    void noPingBeforeTheIntervalEvenIfChecksComeEarly() {
        Link link = new Link(monitor(map("interval", "30ms", "timeout", "10ms")));
        link.check();
        link.now = 1;
        link.frame();
        for (long t = 2; t < 30; t++) {
            link.now = t;
            assertFalse(link.check().ping(), "no ping at " + t);
        }
        link.now = 30;
        assertTrue(link.check().ping());
    }

    @Test
    void invalidConfigurationIsReportedAndTheLastGoodOneKept() {
        Map<String, Object> cfg = map("interval", "50ms", "timeout", "20ms", "missed", "2");
        HeartbeatMonitor m = monitor(cfg);
        Map<String, Object> bad = map("interval", "-5s", "timeout", "20ms", "missed", "2");
        m.modified(Configs.of(HeartbeatMonitor.Config.class, bad), bad);
        assertTrue(log.has("ERROR", "configuration meshnode.heartbeat: interval = '-5s' is invalid"), log.lines().toString());
        Link link = new Link(m);
        link.runUntil(Long.MAX_VALUE / 4, false, 0);
        assertEquals(70, link.now, "pings at 0 and 50ms, the second unanswered at 70ms");
    }
}
