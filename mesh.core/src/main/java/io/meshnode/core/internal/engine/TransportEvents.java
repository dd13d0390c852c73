package io.meshnode.core.internal.engine;

import java.net.InetSocketAddress;
import java.security.KeyPair;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import io.meshnode.api.transport.CloseReason;
import io.meshnode.api.transport.Connection;
import io.meshnode.api.transport.ConnectionHandler;
import io.meshnode.core.internal.security.BanList;
import io.meshnode.core.internal.wire.Protocol;

/**
 * The transport's side of the engine: its callbacks arrive on the transport's threads and only post work to the
 * mesh thread (a banned source is refused right there, before any work). A connection whose frames pile up
 * unhandled has its reads paused.
 */
final class TransportEvents {
    private final Scheduler clock;
    private final NodeState node;
    private final BanList bans;
    private final LinkIo io;
    private final LinkLifecycle lifecycle;
    private final FrameDispatcher dispatcher;
    /** Frames not yet handled, per connection. */
    private final Map<Connection, Backlog> backlog = new ConcurrentHashMap<>();
    private final AtomicLong readPauses = new AtomicLong();

    TransportEvents(Scheduler clock, NodeState node, BanList bans, LinkIo io, LinkLifecycle lifecycle,
        FrameDispatcher dispatcher) {
        this.clock = clock;
        this.node = node;
        this.bans = bans;
        this.io = io;
        this.lifecycle = lifecycle;
        this.dispatcher = dispatcher;
    }

    /** @param dial our dial the connections belong to, {@code null} for the listener */
    ConnectionHandler handler(Dial dial) {
        return new Handler(dial);
    }

    /** @return how often reads were paused since the mesh started */
    long readPauses() {
        return readPauses.get();
    }

    /** Posts transport events to the mesh thread: the transport's event loops never run mesh code. */
    private final class Handler implements ConnectionHandler {
        private final Dial dial;

        Handler(Dial dial) {
            this.dial = dial;
        }

        @Override
        public KeyPair identity() {
            return node.identity.keyPair();
        }

        @Override
        public boolean accept(InetSocketAddress remote) {
            // Before any work: a banned source is closed by the transport at once.
            return remote == null || !bans.banned(remote.getAddress());
        }

        @Override
        public void rejected(InetSocketAddress remote, CloseReason reason, String detail) {
            if (dial == null) {
                clock.execute(() -> lifecycle.offence(remote, null, reason, detail));
            }
        }

        @Override
        public void opened(Connection c) {
            clock.execute(() -> lifecycle.opened(c, dial));
        }

        /**
         * A live link's data frame goes to the handlers at once when none of the connection's data frames waits for
         * the mesh thread (so they stay in order); any other frame is a task on the mesh thread. While a connection
         * has {@link Backlog#PAUSE_READS_AT} frames not yet handled, its reads pause (the kernel's window then holds
         * the sender back) until the mesh has caught up to {@link Backlog#RESUME_READS_AT}.
         */
        @Override
        public void frame(Connection c, byte[] frame) {
            Backlog waiting = backlog.computeIfAbsent(c, k -> new Backlog());
            boolean data = frame.length > 0 && frame[0] == Protocol.DATA;
            if (data && waiting.dataMaySkip() && dispatcher.deliverDirect(c, frame)) {
                return;
            }
            if (waiting.queued(data)) {
                c.pauseReads();
                readPauses.incrementAndGet();
            }
            clock.execute(() -> {
                try {
                    dispatcher.frame(c, frame);
                } finally {
                    if (waiting.handled(data)) {
                        c.resumeReads();
                    }
                }
            });
        }

        @Override
        public void writabilityChanged(Connection c, boolean writable) {
            clock.execute(() -> {
                Link l = io.get(c);
                if (l != null) {
                    l.writable(writable);
                }
            });
        }

        @Override
        public void closed(Connection c, CloseReason reason, String detail) {
            clock.execute(() -> {
                backlog.remove(c);
                lifecycle.closed(c, reason, detail);
            });
        }
    }
}
