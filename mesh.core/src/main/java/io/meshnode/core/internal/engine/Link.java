package io.meshnode.core.internal.engine;

import static io.meshnode.api.health.LinkObservation.NONE;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import io.meshnode.api.transport.Connection;
import io.meshnode.api.transport.Direction;
import io.meshnode.core.internal.wire.Frame.Goodbye;
import io.meshnode.core.internal.wire.Frame.Hello;

/** One connection: its handshake, what happens after it closes, and its heartbeat bookkeeping. Confined to the mesh thread. */
public final class Link {
    /** What this side wants once the link has closed, decided when it closed it. */
    enum AfterClose {
        /** Let the close reason decide (a failure backs off, anything else is a first contact). */
        DECIDE,
        /** Dial again at once without counting a failure: an operator reconnect, our transport replaced. */
        REDIAL
    }

    final Connection conn;
    /** Our dial that opened it; {@code null} for an inbound connection. */
    final Dial dial;
    Peer peer;
    Hello hello;
    /** What the two hellos agreed: the protocol version, the capabilities both have, the smaller frame limit. */
    int version;
    long capabilities;
    int frameMax = Integer.MAX_VALUE;
    boolean closing;
    boolean offended;
    AfterClose afterClose = AfterClose.DECIDE;
    /** Why the peer is redialed after a {@link AfterClose#REDIAL} close, for its history. */
    String redialCause = "reconnecting at once";
    String claimedId;
    Goodbye remoteGoodbye;
    /** Completes once the goodbye or refusal that closes this link has been written (or failed). */
    CompletableFuture<Void> goodbyeSent;

    long connectedAt;
    /** When this connection's handshake started (our dial's start, or the accept), nanos; and how long it took. */
    long handshakeStartedNanos;
    long handshakeMicros = -1;
    /** When the bound monitor took over this live link; 0 if it has judged the link since the handshake. */
    long monitoredSince;
    long lastFrameAt;
    long lastPingAt = NONE;
    long pingSentAt = NONE;
    boolean answered;
    long lastArrivalAt = NONE;
    long pingNonce;
    int missed;
    long rttLast = -1;
    long rttMin = -1;
    long rttSum;
    long rttCount;
    Scheduler.Task healthTimer;
    Scheduler.Task stableTimer;
    /** The peer's ping allowance ({@link FrameDispatcher}'s token bucket) and when it was last refilled. */
    double pingTokens;
    long pingTokensAt = Long.MIN_VALUE;
    /** {@code false} while the transport's outbound buffer for this link is above its high-water mark. */
    boolean writable = true;
    /** Applications waiting for the link to take data again. */
    final java.util.List<CompletableFuture<Void>> writableWaiters = new java.util.ArrayList<>(1);
    /** Operator pings in flight, by nonce. */
    final Map<Long, OperatorPing> operatorPings = new LinkedHashMap<>(2);
    /** Bytes before the link knew its peer (an inbound link learns it from the hello). */
    private long unattributedIn;
    private long unattributedOut;

    Link(Connection conn, Dial dial) {
        this.conn = conn;
        this.dial = dial;
    }

    Direction direction() {
        return conn.direction();
    }

    boolean live() {
        return peer != null && peer.live() == this && !closing;
    }

    void countIn(long bytes) {
        if (peer != null) {
            peer.bytesIn += bytes;
        } else {
            unattributedIn += bytes;
        }
    }

    void countOut(long bytes) {
        if (peer != null) {
            peer.bytesOut += bytes;
        } else {
            unattributedOut += bytes;
        }
    }

    void attribute(Peer p) {
        peer = p;
        p.bytesIn += unattributedIn;
        p.bytesOut += unattributedOut;
        unattributedIn = 0;
        unattributedOut = 0;
    }

    void rtt(long micros) {
        rttLast = micros;
        rttMin = rttMin < 0 ? micros : Math.min(rttMin, micros);
        rttSum += micros;
        rttCount++;
    }

    void writable(boolean now) {
        writable = now;
        if (now && !writableWaiters.isEmpty()) {
            writableWaiters.forEach(w -> w.complete(null));
            writableWaiters.clear();
        }
    }

    void cancelTimers() {
        writableWaiters.forEach(w -> w.completeExceptionally(new IllegalStateException("the link closed")));
        writableWaiters.clear();
        for (OperatorPing op : operatorPings.values()) {
            op.timeout().cancel();
            op.result().completeExceptionally(new IllegalStateException("the link closed before the pong arrived"));
        }
        operatorPings.clear();
        if (healthTimer != null) {
            healthTimer.cancel();
            healthTimer = null;
        }
        if (stableTimer != null) {
            stableTimer.cancel();
            stableTimer = null;
        }
    }

    String describe() {
        return (peer != null ? peer.toString() : io.meshnode.api.config.ConfigValues.format(conn.remoteAddress()))
            + " (connection #" + conn.id() + ")";
    }

    /** An operator's ping waiting for its pong. */
    record OperatorPing(long sentNanos, CompletableFuture<Duration> result, Scheduler.Task timeout) {}
}
