package io.meshnode.core.internal.engine;

import io.meshnode.api.transport.Direction;

/** Which of two handshaken connections to one peer survives. A pure function of what both sides can see. */
final class LinkArbiter {
    private LinkArbiter() {}

    /**
     * @param current the live link
     * @param candidate the link that just completed its handshake
     * @param keepsOutbound the topology's rule for this pair: {@code true} if this side keeps its own dial
     * @return the link to keep
     */
    static Link keep(Link current, Link candidate, boolean keepsOutbound, long now) {
        return keepsCandidate(current.direction(), now - current.connectedAt, candidate.direction(), keepsOutbound)
            ? candidate : current;
    }

    /**
     * A live link at least this old that the peer dials around is one the peer has given up on: a node that holds a
     * live link does not dial, and two links that both sides hold come from simultaneous first dials, which complete
     * within moments of each other.
     */
    static final long HALF_OPEN_AGE_MILLIS = 5_000;

    /**
     * The rule itself. Same direction twice: the peer restarted or the old link is half-open, the new one is
     * real. Across directions the topology's rule decides, so both sides keep the same connection — unless
     * the live link is older than {@link #HALF_OPEN_AGE_MILLIS}: then it is the half-open survivor of a partition,
     * which the peer has given up on already (it holds only the fresh link, so it keeps that one too), and keeping
     * the old one would refuse the peer's fresh dials until our heartbeat noticed.
     * <p>
     * Only what both sides see alike may decide. Unanswered pings on the live link do not: under load one side has a
     * pong late and the other none, and a rule that read them made the two sides keep different connections (both
     * closed, both redialed: a duplicate fight). A younger half-open link is dropped by its own heartbeat or by the
     * peer's reset on our next ping.
     */
    static boolean keepsCandidate(Direction current, long currentAge, Direction candidate, boolean keepsOutbound) {
        if (current == candidate || currentAge >= HALF_OPEN_AGE_MILLIS) {
            return true;
        }
        return (candidate == Direction.OUTBOUND) == keepsOutbound;
    }
}
