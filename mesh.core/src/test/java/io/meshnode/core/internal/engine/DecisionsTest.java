package io.meshnode.core.internal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.meshnode.api.transport.CloseReason;
import io.meshnode.api.transport.Direction;
import io.meshnode.core.internal.wire.Frame.Goodbye;

/** The engine's pure decisions, table by table: which link survives, what a close means. */
class DecisionsTest {

    @ParameterizedTest(name = "current {0} age {1}ms, candidate {2}, keeps outbound {3} → candidate {4}")
    @CsvSource({
        // same direction: the new link is the real one
        "OUTBOUND, 10, OUTBOUND, true, true",
        "INBOUND, 10, INBOUND, false, true",
        // simultaneous first dials: the topology's rule, the same answer on both sides
        "OUTBOUND, 10, INBOUND, true, false",
        "INBOUND, 10, OUTBOUND, true, true",
        "OUTBOUND, 10, INBOUND, false, true",
        "INBOUND, 10, OUTBOUND, false, false",
        // a half-open survivor: old enough that the peer has given up on it
        "OUTBOUND, 5000, INBOUND, true, true",
        "INBOUND, 4999, OUTBOUND, false, false"})
    void whichLinkSurvives(Direction current, long age, Direction candidate, boolean keepsOutbound,
        boolean keepsCandidate) {
        assertEquals(keepsCandidate, LinkArbiter.keepsCandidate(current, age, candidate, keepsOutbound));
    }

    @ParameterizedTest(name = "{0}, peer said {1}, {2}, {3} quick closes, unstable {4} → {5} as {6}")
    @CsvSource({
        "TIMEOUT, , DECIDE, 0, false, FAILURE, TIMEOUT",
        "REMOTE_CLOSED, , DECIDE, 0, false, FAILURE, REMOTE_CLOSED",
        "REMOTE_CLOSED, ADMIN, DECIDE, 1, true, FIRST_CONTACT, ADMIN",
        "REMOTE_CLOSED, DUPLICATE, DECIDE, 2, true, FIRST_CONTACT, DUPLICATE",
        // a remote that keeps saying goodbye before its link is stable is failing, whatever it says
        "REMOTE_CLOSED, ADMIN, DECIDE, 4, true, FIRST_CONTACT, ADMIN",
        "REMOTE_CLOSED, ADMIN, DECIDE, 5, true, FAILURE, ADMIN",
        "REMOTE_CLOSED, ADMIN, DECIDE, 5, false, FIRST_CONTACT, ADMIN",
        // a peer's other words are a close
        "REMOTE_CLOSED, SHUTDOWN, DECIDE, 0, false, FAILURE, REMOTE_CLOSED",
        "REMOTE_CLOSED, NONSENSE, DECIDE, 0, false, FAILURE, REMOTE_CLOSED",
        // our own doing: redial at once
        "ADMIN, , REDIAL, 5, true, REDIAL, ADMIN",
        "SHUTDOWN, , DECIDE, 0, false, REDIAL, SHUTDOWN",
        "ADMIN, , DECIDE, 0, false, FIRST_CONTACT, ADMIN"})
    void whatACloseMeans(CloseReason local, String said, Link.AfterClose intent, int quick, boolean unstable,
        CloseClassifier.Step step, CloseReason recorded) {
        CloseClassifier.Outcome o = CloseClassifier.classify(local, "", said == null ? null : new Goodbye(said, "bye"),
            intent, quick, unstable);
        assertEquals(step, o.step());
        assertEquals(recorded, o.reason());
    }
}
