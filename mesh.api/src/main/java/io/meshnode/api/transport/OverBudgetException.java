package io.meshnode.api.transport;

import java.io.IOException;

/**
 * A frame was refused at once because the bytes already waiting to be written to the peer, plus this
 * frame, would pass the connection's budget. Nothing of the frame was queued; the connection stays
 * open. The caller can drop or defer the frame and wait for
 * {@link ConnectionHandler#writabilityChanged(Connection, boolean)} to report the connection writable
 * again.
 *
 * @since 1.2
 */
public class OverBudgetException extends IOException {
    private static final long serialVersionUID = 1L;

    private final long queuedBytes;
    private final long frameBytes;
    private final long budget;

    /**
     * @param queuedBytes bytes waiting to be written to the peer when the frame was refused
     * @param frameBytes the size of the refused frame
     * @param budget the budget those bytes may not pass
     */
    public OverBudgetException(long queuedBytes, long frameBytes, long budget) {
        this("outbound budget exceeded: " + queuedBytes + " bytes queued toward the peer, a frame of " + frameBytes
            + " bytes would pass the budget of " + budget + " bytes", queuedBytes, frameBytes, budget);
    }

    /**
     * @param message the message, which should name the three figures
     * @param queuedBytes bytes waiting to be written to the peer when the frame was refused
     * @param frameBytes the size of the refused frame
     * @param budget the budget those bytes may not pass
     */
    public OverBudgetException(String message, long queuedBytes, long frameBytes, long budget) {
        super(message);
        this.queuedBytes = queuedBytes;
        this.frameBytes = frameBytes;
        this.budget = budget;
    }

    /** @return the bytes that were waiting to be written to the peer when the frame was refused */
    public long queuedBytes() {
        return queuedBytes;
    }

    /** @return the size of the refused frame in bytes */
    public long frameBytes() {
        return frameBytes;
    }

    /** @return the budget in bytes */
    public long budget() {
        return budget;
    }
}
