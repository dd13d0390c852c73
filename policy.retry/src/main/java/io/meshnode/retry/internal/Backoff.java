package io.meshnode.retry.internal;

import java.time.Duration;
import java.util.Locale;
import java.util.function.DoubleSupplier;

import io.meshnode.api.config.ConfigValues;
import io.meshnode.api.retry.RetryDecision;
import io.meshnode.api.topology.NodeRole;

/** The backoff arithmetic, free of OSGi so it can be tested alone. Immutable. */
final class Backoff {

    enum Jitter {
        /** Uniform in [0, d]. */
        FULL,
        /** Uniform in [d/2, d]: spreads a fleet while keeping a floor under the backoff. */
        EQUAL,
        /** Uniform in [initial, 3 × previous], capped (AWS "decorrelated jitter"). */
        DECORRELATED,
        NONE;

        static Jitter parse(String text) {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        }
    }

    final Duration initial;
    final double multiplier;
    final Duration max;
    final Jitter jitter;
    final int giveUpMasternode;
    final int giveUpFullnode;
    final Duration stable;
    final Duration probe;

    Backoff(Duration initial, double multiplier, Duration max, Jitter jitter, int giveUpMasternode, int giveUpFullnode,
        Duration stable, Duration probe) {
        this.initial = initial;
        this.multiplier = multiplier;
        this.max = max;
        this.jitter = jitter;
        this.giveUpMasternode = giveUpMasternode;
        this.giveUpFullnode = giveUpFullnode;
        this.stable = stable;
        this.probe = probe;
    }

    static Backoff from(RetryPolicyComponent.Config c, ConfigValues v) {
        Duration initial = v.positiveDuration("initial", c.initial());
        Duration max = v.positiveDuration("max", c.max());
        if (max.compareTo(initial) < 0) {
            throw v.invalid("max", c.max(), "must not be smaller than initial (" + c.initial() + ")");
        }
        Jitter jitter;
        try {
            jitter = Jitter.parse(c.jitter());
        } catch (RuntimeException e) {
            throw v.invalid("jitter", c.jitter(), "expected full, equal, decorrelated or none");
        }
        String probeText = c.probe().trim();
        Duration probe = probeText.isEmpty() ? max : v.positiveDuration("probe", probeText);
        return new Backoff(initial, v.decimal("multiplier", c.multiplier(), 1.0, 100.0), max, jitter,
            v.integer("giveup.masternode", c.giveup_masternode(), 1, 1_000_000),
            v.integer("giveup.fullnode", c.giveup_fullnode(), 1, 1_000_000), v.duration("stable", c.stable()), probe);
    }

    RetryDecision next(NodeRole role, int failures, Duration previous, DoubleSupplier random) {
        if (failures <= 0) {
            // First dial after start or revive: short, but jittered so a fleet does not dial in lockstep.
            return RetryDecision.retryAfter(scale(initial, 0.2 * random.getAsDouble()));
        }
        int giveUp = role == NodeRole.FULLNODE ? giveUpFullnode : giveUpMasternode;
        if (failures >= giveUp) {
            return RetryDecision.giveUp(role == NodeRole.FULLNODE ? null : probe);
        }
        return RetryDecision.retryAfter(delay(failures, previous, random));
    }

    /** The ceiling for the n-th consecutive failure: initial × multiplier^(n-1), capped at max. */
    Duration ceiling(int failures) {
        double millis = initial.toMillis() * Math.pow(multiplier, failures - 1);
        return millis >= max.toMillis() ? max : Duration.ofMillis(Math.round(millis));
    }

    private Duration delay(int failures, Duration previous, DoubleSupplier random) {
        Duration ceiling = ceiling(failures);
        double r = random.getAsDouble();
        switch (jitter) {
            case FULL:
                return scale(ceiling, r);
            case EQUAL:
                return scale(ceiling, 0.5 + 0.5 * r);
            case DECORRELATED:
                long lo = initial.toMillis();
                long hi = Math.max(lo, Math.min(max.toMillis(), Math.max(previous.toMillis(), lo) * 3));
                return Duration.ofMillis(lo + Math.round((hi - lo) * r));
            default:
                return ceiling;
        }
    }

    private static Duration scale(Duration d, double factor) {
        return Duration.ofMillis(Math.round(d.toMillis() * factor));
    }
}
