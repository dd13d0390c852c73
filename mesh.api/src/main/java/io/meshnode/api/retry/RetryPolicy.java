package io.meshnode.api.retry;

import java.time.Duration;

import io.meshnode.api.topology.NodeRole;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * Decides when a peer is dialed again. A policy keeps no per-peer state: the mesh holds the failure
 * count and the previous delay and passes them in, so a policy can be replaced at runtime without
 * losing anything. Implementations must be thread-safe and must not block.
 * <p>
 * Providers register this interface as an OSGi service; the mesh binds the highest-ranked one.
 */
@ConsumerType
public interface RetryPolicy {

    /**
     * @param role the peer's role (its announced role, or the configured one before first contact)
     * @param consecutiveFailures failures since the last stable connection; {@code 0} asks for the
     *            delay of the first dial after start or after a peer was revived, which should be short
     *            and jittered so that a fleet starting together does not dial in lockstep
     * @param previousDelay the delay this policy returned last time for this peer, {@link Duration#ZERO}
     *            if none (for decorrelated jitter)
     * @return the decision
     */
    RetryDecision next(NodeRole role, int consecutiveFailures, Duration previousDelay);

    /**
     * @return how long a connection must stay healthy before the mesh resets the peer's failure count;
     *         a peer that accepts and drops at once therefore keeps backing off
     */
    Duration stableAfter();
}
