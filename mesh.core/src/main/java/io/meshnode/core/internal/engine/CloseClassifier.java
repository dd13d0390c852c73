package io.meshnode.core.internal.engine;

import io.meshnode.api.transport.CloseReason;
import io.meshnode.core.internal.wire.Frame.Goodbye;

/** What a closed link means for its peer's next step. A pure function with a table-driven test. */
final class CloseClassifier {
    /** Non-failure closes of unstable links in a row that count as a failure from then on. */
    static final int QUICK_CLOSES = 5;

    enum Step {
        /** Dial again at once, no failure counted (our own doing: an operator reconnect, our transport replaced). */
        REDIAL,
        /** A failure: count it and back off. */
        FAILURE,
        /** Nothing wrong: plan a first contact as after start (the designated dialer dials, the other waits). */
        FIRST_CONTACT
    }

    /** @param reason the reason to record (the peer's, if it said goodbye) */
    record Outcome(CloseReason reason, String detail, Step step) {}

    private CloseClassifier() {}

    /**
     * @param local what the transport or this side reported
     * @param detail its detail
     * @param remote the goodbye the peer sent before closing, or {@code null}
     * @param intent what this side wanted when it closed the link itself
     * @param quickCloses non-failure closes of unstable links in a row so far, this one included when
     *            {@code unstable} (so a remote that keeps saying goodbye cannot make us redial it forever)
     * @param unstable {@code true} if the link closed before it was stable (or never became live)
     */
    static Outcome classify(CloseReason local, String detail, Goodbye remote, Link.AfterClose intent, int quickCloses,
        boolean unstable) {
        CloseReason reason = effective(local, remote);
        String why = remote == null ? detail : "peer: " + remote.detail();
        if (intent == Link.AfterClose.REDIAL || local == CloseReason.SHUTDOWN && remote == null) {
            // Our transport stopping under the link is not the peer's fault either.
            return new Outcome(reason, why, Step.REDIAL);
        }
        if (reason.isFailure()) {
            return new Outcome(reason, why, Step.FAILURE);
        }
        if (unstable && quickCloses >= QUICK_CLOSES) {
            return new Outcome(reason, why + " (" + quickCloses + " closes in a row before the link was stable)", Step.FAILURE);
        }
        return new Outcome(reason, why, Step.FIRST_CONTACT);
    }

    /**
     * @return the reason to act on: the peer's word when it said goodbye (its own restart or a duplicate; anything
     *         else it says is a close), else what was seen locally
     */
    static CloseReason effective(CloseReason local, Goodbye remote) {
        if (remote == null) {
            return local;
        }
        CloseReason said = parse(remote.reason());
        return said == CloseReason.DUPLICATE || said == CloseReason.ADMIN ? said : CloseReason.REMOTE_CLOSED;
    }

    static CloseReason parse(String name) {
        try {
            return CloseReason.valueOf(name);
        } catch (IllegalArgumentException e) {
            return CloseReason.REMOTE_CLOSED;
        }
    }
}
