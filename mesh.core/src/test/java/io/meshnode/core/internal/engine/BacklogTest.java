package io.meshnode.core.internal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Which frames may skip the mesh thread, and when reads pause and resume. */
class BacklogTest {
    @Test
    void aDataFrameSkipsTheMeshThreadOnlyWhileNoEarlierDataFrameWaitsForIt() {
        Backlog b = new Backlog();
        assertTrue(b.dataMaySkip());
        b.queued(false); // a ping waits
        assertTrue(b.dataMaySkip(), "a control frame holds no data up");
        b.queued(true); // a data frame waits (the link was not live yet, say)
        assertFalse(b.dataMaySkip(), "the next data frame goes behind it");
        b.queued(true);
        b.handled(false);
        assertFalse(b.dataMaySkip());
        b.handled(true);
        assertFalse(b.dataMaySkip(), "one still waits");
        b.handled(true);
        assertTrue(b.dataMaySkip());
    }

    @Test
    void readsPauseAtTheHighMarkOfAllFramesAndResumeAtTheLowOne() {
        Backlog b = new Backlog();
        int pauses = 0;
        for (int i = 1; i <= Backlog.PAUSE_READS_AT + 10; i++) {
            pauses += b.queued(i % 2 == 0) ? 1 : 0;
        }
        assertEquals(1, pauses, "once, at " + Backlog.PAUSE_READS_AT);
        int resumes = 0;
        int handled = 0;
        for (int i = Backlog.PAUSE_READS_AT + 10; i >= 1; i--) {
            handled++;
            if (b.handled(i % 2 == 0)) {
                resumes++;
                assertEquals(Backlog.PAUSE_READS_AT + 10 - Backlog.RESUME_READS_AT, handled);
            }
        }
        assertEquals(1, resumes);
        assertTrue(b.dataMaySkip());
    }
}
