package io.meshnode.core.internal.engine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import io.meshnode.api.transport.Connection;
import io.meshnode.api.transport.OverBudgetException;
import io.meshnode.core.internal.wire.Protocol;

/**
 * Application data, sent on the caller's own thread: the mesh thread publishes each peer's live link here when it
 * changes, and {@code send} and {@code broadcast} read that view and write to the link's connection directly
 * (thread-safe, non-blocking), without a task on the mesh thread per message.
 * <p>
 * Order: a connection keeps the order of the sends made on it, so payloads to one peer keep the order the sends
 * were made in (two sends from different threads, neither of which happens before the other, have no order). A
 * live link is published only after the link it replaced was told to close, and a connection told to close
 * refuses every send after that, so a sender holding a stale view fails (the payload is lost, as any payload
 * still queued on a replaced link is) instead of queueing behind the goodbye. What the old link had written before
 * may still reach the peer, over its own connection.
 * <p>
 * Inbound likewise: the transport's threads find a live link's connection here and hand its data frames to the
 * handlers directly when no earlier data frame of that connection waits for the mesh thread ({@link Backlog}).
 */
final class Routes {
    /** One peer's live link as published, with what its hellos agreed (fixed for the link's life). */
    record Route(Peer peer, String id, Connection conn, long capabilities, int frameMax) {}

    private record View(Map<String, Route> byId, List<Route> all) {}

    /**
     * A live link as the transport's threads see it, for data delivered without the mesh thread
     * ({@link FrameDispatcher#deliverDirect}); {@code arrivalAt} rate-limits the arrivals told to the heartbeat.
     */
    record Inbound(Link link, Peer peer, String id, int frameMax, AtomicLong arrivalAt, Protocol.TopicMemo topics) {}

    /** A topic and its checked bytes, as the last send named it: most senders use one or a few topics. */
    private record Topic(String name, byte[] bytes) {}

    private volatile Topic lastTopic;

    private volatile View view = new View(Map.of(), List.of());
    private final Map<Connection, Inbound> inbound = new ConcurrentHashMap<>();
    /** Sends refused because a link's outbound budget was full; any thread. */
    private final LongAdder refused = new LongAdder();

    /** Mesh thread: republishes the live links of {@code peers} (after a live link changed). */
    void publish(Iterable<Peer> peers) {
        Map<String, Route> byId = new HashMap<>();
        Set<String> twice = new HashSet<>();
        List<Route> all = new ArrayList<>();
        for (Peer p : peers) {
            Link l = p.live();
            if (l == null || p.id == null) {
                continue;
            }
            Route r = new Route(p, p.id, l.conn, l.capabilities, l.frameMax);
            all.add(r);
            if (byId.put(p.id, r) != null) {
                twice.add(p.id); // one id at two endpoints: only the mesh thread's lookup can say which
            }
        }
        twice.forEach(byId::remove);
        view = new View(Map.copyOf(byId), List.copyOf(all));
        Map<Connection, Inbound> in = new HashMap<>();
        for (Peer p : peers) {
            Link l = p.live();
            if (l != null && p.id != null && !l.closing) {
                Inbound known = inbound.get(l.conn);
                in.put(l.conn, known != null ? known : new Inbound(l, p, p.id, l.frameMax, new AtomicLong(Long.MIN_VALUE),
                    new Protocol.TopicMemo()));
            }
        }
        inbound.keySet().retainAll(in.keySet());
        inbound.putAll(in);
    }

    /** Mesh thread: a link is closing; what still arrives on it goes to the mesh thread, which drops it. */
    void closing(Connection c) {
        inbound.remove(c);
    }

    /** @return the live, open link of connection {@code c} as last published, or {@code null} */
    Inbound inbound(Connection c) {
        return inbound.get(c);
    }

    /** @return the route of the connected peer whose whole id is {@code id}, or {@code null} */
    Route route(String id) {
        return id == null ? null : view.byId.get(id);
    }

    /**
     * Any thread: a data frame, its topic checked once for a sender that keeps naming it.
     *
     * @throws IllegalArgumentException for an invalid topic
     */
    byte[] frame(String topic, byte[] payload) {
        Topic t = lastTopic;
        if (t == null || !t.name.equals(topic)) {
            t = new Topic(topic, Protocol.topic(topic));
            lastTopic = t;
        }
        return Protocol.data(t.bytes, payload);
    }

    long refused() {
        return refused.sum();
    }

    /** Any thread: one frame on one route. */
    CompletionStage<Void> send(Route r, byte[] frame) {
        if ((r.capabilities & Protocol.CAP_DATA) == 0) {
            return CompletableFuture.failedFuture(new IllegalStateException("peer " + r.peer + " takes no application messages"));
        }
        if (frame.length > r.frameMax) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("a message of " + frame.length
                + " bytes with its topic is over the frame.max of " + r.frameMax + " agreed with peer " + r.peer));
        }
        CompletionStage<Void> sent = r.conn.send(frame);
        CompletableFuture<Void> now = sent.toCompletableFuture();
        if (now.isCompletedExceptionally()) {
            if (now.handle((v, e) -> e).join() instanceof OverBudgetException) {
                refused.increment();
            }
        } else {
            r.peer.messagesOut.increment();
            r.peer.dataBytesOut.add(frame.length + LinkIo.FRAME_OVERHEAD);
        }
        return sent;
    }

    /** Any thread: one frame to every peer with a live link, one stage per peer id. */
    Map<String, CompletionStage<Void>> broadcast(byte[] frame) {
        List<Route> all = view.all;
        Map<String, CompletionStage<Void>> sent = new LinkedHashMap<>(all.size() * 2);
        for (Route r : all) {
            sent.put(r.id, send(r, frame));
        }
        return sent;
    }
}
