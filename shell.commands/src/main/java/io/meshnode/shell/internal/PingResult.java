package io.meshnode.shell.internal;

import java.time.Duration;

import io.meshnode.api.mesh.PeerDTO;

/**
 * What {@code mesh:ping} returns.
 *
 * @param peer the peer pinged
 * @param rtt the measured round trip
 */
public record PingResult(PeerDTO peer, Duration rtt) {
    /** @return the round trip in milliseconds, fractional */
    public double millis() {
        return rtt.toNanos() / 1_000_000.0;
    }
}
