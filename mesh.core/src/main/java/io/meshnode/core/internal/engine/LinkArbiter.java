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
    static Link keep(Link current, Link candidate, boolean keepsOutbound) {
        return keepsCandidate(current.direction(), current.missed, candidate.direction(), keepsOutbound) ? candidate : current;
    }

    /**
     * The rule itself. Same direction twice: the peer restarted or the old link is half-open, the new one is
     * real. Across directions the topology's rule decides, so both sides keep the same connection — unless
     * the live link already has unanswered pings: then it is the half-open survivor of a partition, which the
     * peer has given up on already, and keeping it would refuse the peer's fresh dial until our heartbeat
     * noticed.
     */
    static boolean keepsCandidate(Direction current, int currentMissed, Direction candidate, boolean keepsOutbound) {
        if (current == candidate || currentMissed > 0) {
            return true;
        }
        return (candidate == Direction.OUTBOUND) == keepsOutbound;
    }
}
