package io.meshnode.core.internal.engine;

import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.osgi.service.log.Logger;

import io.meshnode.api.transport.CloseReason;
import io.meshnode.api.transport.Connection;
import io.meshnode.core.internal.wire.Protocol;

/**
 * The open connections and everything the mesh thread writes to them: pings, pongs, refusals, goodbyes. Confined to the
 * mesh thread; application data goes through {@link Routes} on the sender's thread.
 */
final class LinkIo {
    /** The length prefix a framed transport adds; counted so byte counters come close to what crossed the wire. */
    static final int FRAME_OVERHEAD = 4;

    private final Logger log;
    private final Map<Connection, Link> links = new IdentityHashMap<>();

    LinkIo(Logger log) {
        this.log = log;
    }

    Link opened(Connection c, Dial dial) {
        Link l = new Link(c, dial);
        links.put(c, l);
        if (dial != null) {
            dial.link = l;
        }
        return l;
    }

    Link get(Connection c) {
        return links.get(c);
    }

    Link remove(Connection c) {
        return links.remove(c);
    }

    Collection<Link> all() {
        return links.values();
    }

    /** The live links as application threads see them; republished whenever a peer's live link changes. */
    final Routes routes = new Routes();

    /** A peer's live link changed (adopted, replaced, closed, the peer removed): application sends follow it. */
    void republish(Iterable<Peer> peers) {
        routes.publish(peers);
    }

    /** Pings and pongs: ahead of queued data, never refused for the budget. */
    CompletionStage<Void> sendControl(Link l, byte[] frame) {
        l.countOut(frame.length + FRAME_OVERHEAD);
        return l.conn.sendControl(frame);
    }

    void refuse(Link l, String reason) {
        log.warn("refusing {}: {}", l.describe(), reason);
        sendThenClose(l, Protocol.refuse(reason), CloseReason.REFUSED, reason);
    }

    void goodbye(Link l, CloseReason reason, String detail) {
        sendThenClose(l, Protocol.goodbye(reason.name(), detail), reason, detail);
    }

    /**
     * Closes a link judged dead at once, without a goodbye: a peer that does not answer is most likely not reading
     * either, and a goodbye stuck behind a full socket would keep the link for the transport's close deadline.
     */
    void closeNow(Link l, CloseReason reason, String detail) {
        if (l.closing) {
            return;
        }
        l.closing = true;
        routes.closing(l.conn);
        l.cancelTimers();
        l.goodbyeSent = CompletableFuture.completedFuture(null);
        l.conn.close(reason, detail);
    }

    /**
     * Says goodbye on every link not closing yet; with {@code redial}, the links of configured peers are dialed
     * again at once (a node that dialed in merely claimed its endpoint: it is not ours to dial).
     *
     * @return completes when every goodbye has been written (or failed)
     */
    CompletableFuture<Void> leaveAll(CloseReason reason, String detail, boolean redial) {
        List<CompletableFuture<?>> sent = new ArrayList<>();
        for (Link l : List.copyOf(links.values())) {
            if (l.closing) {
                continue;
            }
            if (redial && l.peer != null && l.peer.configured) {
                l.afterClose = Link.AfterClose.REDIAL;
            }
            goodbye(l, reason, detail);
            sent.add(l.goodbyeSent.exceptionally(e -> null));
        }
        return CompletableFuture.allOf(sent.toArray(new CompletableFuture<?>[0]));
    }

    /**
     * Closes at once, the goodbye or refusal written ahead of any queued data: the transport closes the socket
     * once it is written, or after its close deadline toward a peer that does not read. Closing never waits on
     * the peer.
     */
    private void sendThenClose(Link l, byte[] frame, CloseReason reason, String detail) {
        if (l.closing) {
            return;
        }
        l.closing = true;
        routes.closing(l.conn);
        l.cancelTimers();
        l.countOut(frame.length + FRAME_OVERHEAD);
        CompletableFuture<Void> closed = new CompletableFuture<>();
        l.goodbyeSent = closed;
        CompletionStage<Void> stage;
        try {
            stage = l.conn.close(reason, detail, frame);
        } catch (RuntimeException e) {
            log.debug("closing {}: {}", l.describe(), e.toString());
            stage = CompletableFuture.completedFuture(null);
        }
        stage.whenComplete((v, e) -> closed.complete(null));
    }
}
