package io.meshnode.core.internal.engine;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.LongAdder;

import io.meshnode.api.config.ConfigValues;
import io.meshnode.api.mesh.PeerState;
import io.meshnode.api.mesh.TransitionDTO;
import io.meshnode.api.topology.NodeRole;
import io.meshnode.api.transport.CloseReason;

/**
 * Everything known about one peer: who it is, its {@link Phase}, and its history. Confined to the mesh thread, except
 * the counters of application data, which the senders' threads add to.
 */
public final class Peer {
    public final InetSocketAddress endpoint;
    String id;
    boolean pinned;
    boolean configured;
    NodeRole role = NodeRole.MASTERNODE;
    Phase phase = new Phase.Idle(PeerState.IDLE);
    /** What the topology says of this pair; both sides until it has been asked. */
    Shape.Want want = Shape.Want.BOTH;

    /** Failures since the last stable link, and the retry policy's previous delay. */
    int failures;
    Duration previousDelay = Duration.ZERO;
    /** Links closed without failure before they were stable, in a row (a remote that keeps saying goodbye). */
    int quickCloses;

    CloseReason lastReason;
    String lastDetail = "";
    long lastCloseAt;
    long connectedSince;
    /** Bytes of the frames the mesh thread handled or sent (hellos, pings, pongs, goodbyes, data it dispatched). */
    long bytesIn;
    long bytesOut;
    /**
     * Application messages and their bytes, counted on the threads that move them: the senders' ({@link Routes}), the
     * transport's for data delivered straight to the handlers ({@link FrameDispatcher#deliverDirect}), the mesh thread's.
     */
    final LongAdder messagesIn = new LongAdder();
    final LongAdder dataBytesIn = new LongAdder();
    final LongAdder messagesOut = new LongAdder();
    final LongAdder dataBytesOut = new LongAdder();
    long dialAttempts;
    String authentication;
    String keyFingerprint;
    /** The topology the peer announced in its last hello. */
    String topology;
    final Arrivals arrivals = new Arrivals();

    /** Why the next state change happens, for the history; consumed by the reporter. */
    String cause;
    PeerState recorded;
    final ArrayDeque<TransitionDTO> history = new ArrayDeque<>();

    Peer(InetSocketAddress endpoint) {
        this.endpoint = endpoint;
    }

    public String id() {
        return id;
    }

    public boolean configured() {
        return configured;
    }

    Link live() {
        return phase.live();
    }

    Dial dial() {
        return phase.dial();
    }

    /** @return the time of the planned dial, 0 if none */
    long nextAttemptAt() {
        return phase instanceof Phase.Scheduled s ? s.at() : 0;
    }

    /** Cancels a planned dial; the caller sets the next phase. */
    void cancelTimer() {
        if (phase instanceof Phase.Scheduled s) {
            s.timer().cancel();
        }
    }

    void resetFailures() {
        failures = 0;
        previousDelay = Duration.ZERO;
        quickCloses = 0;
    }

    void record(CloseReason reason, String detail, long wallClock) {
        lastReason = reason;
        lastDetail = detail == null ? "" : detail;
        lastCloseAt = wallClock;
    }

    @Override
    public String toString() {
        return (id == null ? "" : id.substring(0, Math.min(12, id.length())) + "@") + ConfigValues.format(endpoint);
    }
}
