package io.meshnode.core.internal.engine;

import java.time.Duration;

import org.osgi.service.log.Logger;

import io.meshnode.api.transport.CloseReason;
import io.meshnode.api.transport.Connection;
import io.meshnode.core.internal.wire.Frame;
import io.meshnode.core.internal.wire.Frame.Data;
import io.meshnode.core.internal.wire.Frame.Goodbye;
import io.meshnode.core.internal.wire.Frame.Hello;
import io.meshnode.core.internal.wire.Frame.Ping;
import io.meshnode.core.internal.wire.Frame.Pong;
import io.meshnode.core.internal.wire.Frame.Refuse;
import io.meshnode.core.internal.wire.Protocol;
import io.meshnode.core.internal.wire.ProtocolException;

/**
 * Every frame a peer sends, on the mesh thread: parsed by the one parser, then handed to the room that owns it; a
 * live link's data frames usually go to the handlers straight from the transport's thread ({@link #deliverDirect}).
 * Before its hello a connection may send only a hello (or refuse); anything else, and any frame that does not
 * parse, closes that connection and counts an offence against an inbound source.
 */
final class FrameDispatcher {
    /**
     * The sustained rate of pings a peer may send. A peer's health monitor pings once per heartbeat interval and
     * an operator's mesh:ping adds one now and then; the shortest interval in use anywhere (the fault tests') is
     * 30ms, about 33 a second, and a heartbeat faster than every 10ms measures the scheduler, not the link. 100 a
     * second leaves three times the fastest real heartbeat; a flood that threatens memory runs at tens of
     * thousands a second and is cut within {@link #PING_BURST} pings.
     */
    static final int PINGS_PER_SECOND = 100;
    /** Pings allowed at once: two seconds' worth, for pings held up behind a stall and then read together. */
    static final int PING_BURST = 2 * PINGS_PER_SECOND;

    private final Scheduler clock;
    private final Logger log;
    private final LinkIo io;
    private final HealthDriver health;
    private final LinkLifecycle lifecycle;
    private final Events events;

    FrameDispatcher(Scheduler clock, Logger log, LinkIo io, HealthDriver health, LinkLifecycle lifecycle, Events events) {
        this.clock = clock;
        this.log = log;
        this.io = io;
        this.health = health;
        this.lifecycle = lifecycle;
        this.events = events;
    }

    /**
     * Any thread (the connection's transport thread): hands a data frame of a live link to the handlers at once,
     * without a task on the mesh thread, when no data frame of that connection waits for the mesh thread (the
     * caller's word, {@link Backlog}), so the handlers see the link's messages in order. Anything else (no live link, a frame over the agreed
     * frame.max, one that does not parse) is left to {@link #frame} to judge. The heartbeat still learns that the
     * link carried a frame: at most one task a millisecond per link.
     *
     * @return {@code true} if delivered
     */
    boolean deliverDirect(Connection c, byte[] bytes) {
        Routes.Inbound in = io.routes.inbound(c);
        if (in == null || bytes.length == 0 || bytes[0] != Protocol.DATA || bytes.length > in.frameMax()) {
            return false;
        }
        Data d;
        try {
            d = Protocol.parseData(bytes, in.topics());
        } catch (ProtocolException | RuntimeException e) {
            return false;
        }
        in.peer().dataBytesIn.add(bytes.length + LinkIo.FRAME_OVERHEAD);
        in.peer().messagesIn.increment();
        events.message(in.id(), d.topic(), d.payload());
        long now = clock.nanoTime();
        long told = in.arrivalAt().get();
        if ((told == Long.MIN_VALUE || now - told >= 1_000_000) && in.arrivalAt().compareAndSet(told, now)) {
            Link l = in.link();
            clock.execute(() -> {
                if (io.get(c) == l && !l.closing) {
                    health.frameArrived(l);
                }
            });
        }
        return true;
    }

    void frame(Connection c, byte[] bytes) {
        Link l = io.get(c);
        if (l == null || l.closing) {
            return;
        }
        l.countIn(bytes.length + LinkIo.FRAME_OVERHEAD);
        health.frameArrived(l);
        try {
            if (l.hello == null && bytes.length > 0 && bytes[0] != Protocol.HELLO && bytes[0] != Protocol.REFUSE) {
                // Nothing but the hello (or a refusal) is parsed, let alone answered, before the hello.
                throw new ProtocolException(bytes[0] == Protocol.GOODBYE ? "goodbye before its hello"
                    : "frame type " + bytes[0] + " before the hello");
            }
            if (l.hello != null && bytes.length > l.frameMax) {
                throw new ProtocolException("frame of " + bytes.length + " bytes over the agreed frame.max " + l.frameMax);
            }
            Frame f = Protocol.parse(bytes);
            if (f instanceof Hello h) {
                lifecycle.hello(l, h);
            } else if (f instanceof Refuse r) {
                refused(l, r);
            } else if (f instanceof Goodbye g) {
                l.remoteGoodbye = g;
            } else if (f instanceof Ping p) {
                if (!pingAllowed(l)) {
                    String why = "too many pings: more than " + PINGS_PER_SECOND + " a second (a burst of "
                        + PING_BURST + ")";
                    log.warn("{} sends {}; closing that connection", l.describe(), why);
                    lifecycle.offence(l, CloseReason.PROTOCOL_ERROR, why);
                    io.goodbye(l, CloseReason.PROTOCOL_ERROR, why);
                    return;
                }
                // From the mesh thread: a wedged mesh stops looking alive. A control frame, within the transport's
                // outbound.control.max: a peer that pings and does not read is closed as OVERLOADED.
                io.sendControl(l, Protocol.pong(p));
            } else if (f instanceof Pong p) {
                pong(l, p);
            } else if (f instanceof Frame.Unknown u) {
                if (l.hello == null || l.hello.version() <= l.version) {
                    throw new ProtocolException("unknown frame type " + u.type());
                }
                // The peer speaks a newer version: a frame of that version, not an error.
                log.debug("skipped frame type {} from {}, which speaks protocol {}", u.type(), l.describe(), l.hello.version());
            } else if (f instanceof Data d) {
                if (l.peer == null) {
                    // A connection held until a dial vouches for its endpoint: nothing of it is delivered yet.
                    log.debug("dropped a message from {}, not linked yet", l.describe());
                    return;
                }
                l.peer.messagesIn.increment();
                events.message(l.hello.id(), d.topic(), d.payload());
            }
        } catch (ProtocolException | RuntimeException e) {
            // A parser that throws anything else met input it did not foresee: still that link's fault only.
            log.warn("protocol error from {}: {}; closing that connection", l.describe(), e.getMessage());
            lifecycle.offence(l, CloseReason.PROTOCOL_ERROR, e.getMessage());
            l.conn.close(CloseReason.PROTOCOL_ERROR, e.getMessage());
        }
    }

    /**
     * Takes one ping from the link's allowance: {@link #PING_BURST} at most, refilled at {@link #PINGS_PER_SECOND}
     * (a token bucket, as gRPC's too_many_pings).
     */
    private boolean pingAllowed(Link l) {
        long now = clock.now();
        if (l.pingTokensAt == Long.MIN_VALUE) {
            l.pingTokens = PING_BURST;
        } else {
            l.pingTokens = Math.min(PING_BURST, l.pingTokens + (now - l.pingTokensAt) * PINGS_PER_SECOND / 1000.0);
        }
        l.pingTokensAt = now;
        if (l.pingTokens < 1) {
            return false;
        }
        l.pingTokens--;
        return true;
    }

    private void refused(Link l, Refuse r) {
        if (l.hello == null && l.dial == null) {
            // A dialer sends its hello first: a refusal before it is noise.
            lifecycle.offence(l, CloseReason.PROTOCOL_ERROR, "refuse before its hello");
        }
        log.warn("{} refused the connection: {}", l.describe(), r.reason());
        l.conn.close(CloseReason.REFUSED, "refused by peer: " + r.reason());
    }

    private void pong(Link l, Pong p) {
        health.pong(l, p.nonce(), p.sentNanos());
        Link.OperatorPing op = l.operatorPings.remove(p.nonce());
        if (op != null) {
            op.timeout().cancel();
            long micros = (clock.nanoTime() - op.sentNanos()) / 1_000;
            l.rtt(micros);
            op.result().complete(Duration.ofNanos(micros * 1_000));
        }
    }
}
