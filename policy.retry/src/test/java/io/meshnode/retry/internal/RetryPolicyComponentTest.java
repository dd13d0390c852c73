package io.meshnode.retry.internal;

import static io.meshnode.api.testing.Configs.map;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.DoubleSupplier;

import org.junit.jupiter.api.Test;

import io.meshnode.api.retry.RetryDecision;
import io.meshnode.api.testing.Configs;
import io.meshnode.api.testing.RecordingLogger;
import io.meshnode.api.topology.NodeRole;

class RetryPolicyComponentTest {
    private final RecordingLogger log = new RecordingLogger();

    private RetryPolicyComponent policy(Map<String, Object> cfg, DoubleSupplier random) {
        return new RetryPolicyComponent(log.logger(), Configs.of(RetryPolicyComponent.Config.class, cfg), cfg, random);
    }

    @Test
    void withoutJitterTheDelaysDoubleFromInitialAndAreCappedAtMax() {
        RetryPolicyComponent p = policy(map("jitter", "none"), () -> 0.5);
        List<Long> seconds = new ArrayList<>();
        for (int failures = 1; failures <= 9; failures++) {
            seconds.add(p.next(NodeRole.MASTERNODE, failures, Duration.ZERO).delay().toSeconds());
        }
        assertEquals(List.of(5L, 10L, 20L, 40L, 80L, 160L, 300L, 300L, 300L), seconds);
    }

    @Test
    void jitterStaysWithinItsBoundsForEveryMode() {
        Random random = new Random(42);
        for (String mode : List.of("full", "equal", "decorrelated")) {
            RetryPolicyComponent p = policy(map("jitter", mode), random::nextDouble);
            Duration previous = Duration.ZERO;
            for (int failures = 1; failures < 20; failures++) {
                long ceiling = Math.min(300_000, 5_000L << Math.min(failures - 1, 20));
                for (int i = 0; i < 200; i++) {
                    long d = p.next(NodeRole.MASTERNODE, failures, previous).delay().toMillis();
                    assertTrue(d >= 0 && d <= 300_000, mode + " " + d);
                    if (mode.equals("full")) {
                        assertTrue(d <= ceiling, mode + " " + d + " > " + ceiling);
                    } else if (mode.equals("equal")) {
                        assertTrue(d >= ceiling / 2 && d <= ceiling, mode + " " + d);
                    } else {
                        long hi = Math.max(5_000, Math.min(300_000, Math.max(previous.toMillis(), 5_000) * 3));
                        assertTrue(d >= 5_000 && d <= hi, mode + " " + d);
                    }
                }
                previous = p.next(NodeRole.MASTERNODE, failures, previous).delay();
            }
        }
    }

    @Test
    void jitterActuallySpreadsAFleet() {
        Random random = new Random(7);
        RetryPolicyComponent p = policy(map(), random::nextDouble);
        long distinct = java.util.stream.IntStream.range(0, 100)
            .mapToLong(i -> p.next(NodeRole.MASTERNODE, 3, Duration.ZERO).delay().toMillis()).distinct().count();
        assertTrue(distinct > 50, "only " + distinct + " distinct delays");
    }

    @Test
    void theFirstDialIsShortButJittered() {
        RetryPolicyComponent low = policy(map(), () -> 0.0);
        RetryPolicyComponent high = policy(map(), () -> 0.999);
        assertEquals(0, low.next(NodeRole.MASTERNODE, 0, Duration.ZERO).delay().toMillis());
        long d = high.next(NodeRole.MASTERNODE, 0, Duration.ZERO).delay().toMillis();
        assertTrue(d > 900 && d <= 1000, "first dial within 20% of initial: " + d);
    }

    @Test
    void masternodesGiveUpAfterTwentyAndAreProbedFullNodesAfterTenAndWait() {
        RetryPolicyComponent p = policy(map(), () -> 0.5);
        assertFalse(p.next(NodeRole.MASTERNODE, 19, Duration.ZERO).isGiveUp());
        RetryDecision master = p.next(NodeRole.MASTERNODE, 20, Duration.ZERO);
        assertTrue(master.isGiveUp());
        assertEquals(Duration.ofSeconds(300), master.probe().orElseThrow());

        assertFalse(p.next(NodeRole.FULLNODE, 9, Duration.ZERO).isGiveUp());
        RetryDecision full = p.next(NodeRole.FULLNODE, 10, Duration.ZERO);
        assertTrue(full.isGiveUp());
        assertTrue(full.probe().isEmpty());
    }

    @Test
    void configurationAppliesLiveAndAnInvalidValueKeepsTheLastGoodOne() {
        Map<String, Object> cfg = map("initial", "100ms", "jitter", "none", "giveup.masternode", "3", "probe", "2s",
            "stable", "250ms", "felix.fileinstall.filename", "file:/opt/node/etc/meshnode.retry.cfg");
        RetryPolicyComponent p = policy(cfg, () -> 0.5);
        assertEquals(Duration.ofMillis(200), p.next(NodeRole.MASTERNODE, 2, Duration.ZERO).delay());
        assertEquals(Duration.ofMillis(250), p.stableAfter());
        assertEquals(Duration.ofSeconds(2), p.next(NodeRole.MASTERNODE, 3, Duration.ZERO).probe().orElseThrow());

        Map<String, Object> bad = new java.util.HashMap<>(cfg);
        bad.put("initial", "fast");
        p.modified(Configs.of(RetryPolicyComponent.Config.class, bad), bad);
        assertTrue(log.has("ERROR", "etc/meshnode.retry.cfg: initial = 'fast' is invalid"), log.lines().toString());
        assertEquals(Duration.ofMillis(200), p.next(NodeRole.MASTERNODE, 2, Duration.ZERO).delay());

        bad.put("initial", "1s");
        bad.put("max", "500ms");
        p.modified(Configs.of(RetryPolicyComponent.Config.class, bad), bad);
        assertTrue(log.has("ERROR", "max = '500ms' is invalid: must not be smaller than initial"));
    }
}
