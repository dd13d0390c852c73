package io.meshnode.core.internal.engine;

import io.meshnode.api.mesh.PeerState;

/**
 * Where a peer stands: exactly one of these at a time, each holding only what that phase needs, so that a
 * peer cannot be dialing and waiting for a service at once, or scheduled while connected. A transition is
 * {@code peer.phase = new ...}; {@link PeerState} is what the console shows of it.
 */
public sealed interface Phase {

    /** @return the state shown to operators */
    PeerState shown();

    /** @return the link, or {@code null} unless {@link Connected} */
    default Link live() {
        return null;
    }

    /** @return this side's dial under way, or {@code null} */
    default Dial dial() {
        return null;
    }

    /**
     * Nothing planned: a parked peer waiting for an operator, its configuration or the peer itself
     * ({@code PARKED}), or a peer whose next step is someone else's (a stopped mesh, a dialed-in peer).
     */
    record Idle(PeerState shown) implements Phase {}

    /**
     * This side dials at {@code at} (the mesh clock): a first contact, a retry, or a parked peer's probe; {@code grace}
     * of the wait is this side's grace for the pair's designated dialer (0 when this side is that dialer).
     */
    record Scheduled(PeerState shown, Scheduler.Task timer, long at, long grace) implements Phase {}

    /** A dial is due, but the service it needs ({@code transport} or {@code retry}) is not bound. */
    record Waiting(PeerState shown, String service) implements Phase {}

    /**
     * This side dials: {@code CONNECTING}, then {@code HANDSHAKING} once TCP is up; a parked peer's
     * background probe stays {@code PARKED}.
     */
    record Dialing(Dial dial, PeerState shown) implements Phase {
        @Override
        public Dial dial() {
            return dial;
        }
    }

    /** A live link; a dial of ours may still be under way (its hello then decides which link stays). */
    record Connected(Link link, Dial pending) implements Phase {
        @Override
        public PeerState shown() {
            return PeerState.CONNECTED;
        }

        @Override
        public Link live() {
            return link;
        }

        @Override
        public Dial dial() {
            return pending;
        }
    }
}
