package io.meshnode.health.phi.internal;

import static io.meshnode.api.health.LinkObservation.NONE;

import java.util.Locale;

import io.meshnode.api.health.HealthDecision;
import io.meshnode.api.health.HealthVerdict;
import io.meshnode.api.health.LinkObservation;

/**
 * The phi-accrual failure detector (Hayashibara et al., 2004), free of OSGi. Immutable.
 * <p>
 * The mesh pings every {@code interval}; the first frame after a ping is a heartbeat arrival, and the
 * mesh keeps the recent intervals between arrivals per peer. Phi is the suspicion that the peer is dead
 * after {@code elapsed} milliseconds without a frame, given a normal distribution of those intervals
 * (mean plus the acceptable pause, standard deviation at least the minimum):
 * {@code phi = -log10(1 - F(elapsed))}. The link fails when phi reaches the threshold, so a link whose
 * heartbeats arrive like clockwork is judged quickly and a jittery one leniently.
 */
final class PhiAccrual {
    final long interval;
    final double threshold;
    final long minStdDeviation;
    final long acceptablePause;
    final long firstEstimate;

    PhiAccrual(long interval, double threshold, long minStdDeviation, long acceptablePause, long firstEstimate) {
        this.interval = interval;
        this.threshold = threshold;
        this.minStdDeviation = minStdDeviation;
        this.acceptablePause = acceptablePause;
        this.firstEstimate = firstEstimate;
    }

    HealthDecision assess(LinkObservation link, long now) {
        long pingAt = link.pingSentAt();
        boolean outstanding = pingAt != NONE;
        boolean answered = outstanding && link.answered();
        // Unanswered when the next ping is due: counted as missed (for the operator; phi decides failure).
        boolean overdue = outstanding && !answered && now - pingAt >= interval;
        boolean settled = answered || overdue;
        boolean heardSincePing = !outstanding && link.lastPingAt() != NONE && link.lastFrameAt() > link.lastPingAt();
        int misses = answered || heardSincePing ? 0 : link.missed() + (overdue ? 1 : 0);

        Stats stats = Stats.of(link.arrivalIntervals(), firstEstimate);
        double mean = stats.mean + acceptablePause;
        double std = Math.max(stats.std, minStdDeviation);
        // connectedAt is when this monitor took over the link if that was later than the handshake: silence
        // under a predecessor's slower schedule (30 s heartbeats) is not phi's to judge.
        long last = Math.max(link.lastFrameAt(), link.connectedAt());
        long elapsed = now - last;
        double phi = phi(elapsed, mean, std);
        // This node did not ping for much longer than it should have: it was frozen (GC pause, SIGSTOP),
        // so the silence says nothing about the peer. Ping once and judge from the answer.
        boolean stalled = link.lastPingAt() != NONE && now - link.lastPingAt() > interval + acceptablePause;
        if (phi >= threshold && !stalled) {
            return new HealthDecision(HealthVerdict.FAILED, false, true, misses, now, String.format(Locale.ROOT,
                "phi %.1f >= %.1f after %d ms without a frame (heartbeat interval mean %.0f ms, std %.0f ms, %d samples)",
                phi, threshold, elapsed, stats.mean, stats.std, stats.samples));
        }
        HealthVerdict verdict = misses > 0 || phi >= threshold / 2 ? HealthVerdict.SUSPECT : HealthVerdict.HEALTHY;
        String reason = verdict == HealthVerdict.HEALTHY ? ""
            : String.format(Locale.ROOT, "phi %.1f, %d ping(s) unanswered", phi, misses);
        long failAt = last + crossing(mean, std);
        if (stalled) {
            settled = outstanding;
            misses = link.missed();
        } else if (outstanding && !settled) {
            return new HealthDecision(verdict, false, false, misses, Math.max(now + 1, Math.min(pingAt + interval, failAt)),
                reason);
        }
        // Never catch up on missed ticks: after a stall one ping, then the normal rhythm from now.
        long due = link.lastPingAt() == NONE || stalled ? now : link.lastPingAt() + interval;
        if (due <= now) {
            long next = stalled ? now + interval : Math.min(now + interval, failAt);
            return new HealthDecision(verdict, true, settled, misses, Math.max(now + 1, next), reason);
        }
        return new HealthDecision(verdict, false, settled, misses, Math.max(now + 1, Math.min(due, failAt)), reason);
    }

    /** Phi for {@code elapsed} ms of silence, with the logistic approximation of the normal CDF Akka/Pekko use. */
    static double phi(double elapsed, double mean, double std) {
        double y = (elapsed - mean) / std;
        double e = Math.exp(-y * (1.5976 + 0.070566 * y * y));
        if (elapsed > mean) {
            return -Math.log10(e / (1.0 + e));
        }
        return -Math.log10(1.0 - 1.0 / (1.0 + e));
    }

    /** The silence (ms, rounded up) after which phi reaches the threshold: when to check again. */
    long crossing(double mean, double std) {
        double lo = 0;
        double hi = mean + std;
        while (phi(hi, mean, std) < threshold) {
            hi *= 2;
        }
        for (int i = 0; i < 50 && hi - lo > 0.5; i++) {
            double mid = (lo + hi) / 2;
            if (phi(mid, mean, std) < threshold) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return (long) Math.ceil(hi);
    }

    /** Mean and standard deviation of the observed intervals; a first estimate while there are none. */
    record Stats(double mean, double std, int samples) {
        static Stats of(long[] intervals, long firstEstimate) {
            if (intervals.length == 0) {
                // As Akka/Pekko seed their history: the estimate, with a standard deviation of a quarter of it.
                return new Stats(firstEstimate, firstEstimate / 4.0, 0);
            }
            double sum = 0;
            for (long i : intervals) {
                sum += i;
            }
            double mean = sum / intervals.length;
            double squares = 0;
            for (long i : intervals) {
                squares += (i - mean) * (i - mean);
            }
            return new Stats(mean, Math.sqrt(squares / intervals.length), intervals.length);
        }
    }
}
