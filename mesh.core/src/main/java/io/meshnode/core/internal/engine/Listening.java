package io.meshnode.core.internal.engine;

import java.io.IOException;

import org.osgi.service.log.Logger;

import io.meshnode.api.config.ConfigValues;
import io.meshnode.api.transport.ConnectionHandler;
import io.meshnode.api.transport.Transport;

/** The listener on the bound transport: bound, retried every two seconds while the address is taken, closed. */
final class Listening {
    private static final long RETRY_MILLIS = 2_000;

    private final Scheduler clock;
    private final Logger log;
    private final NodeState node;
    private final Events events;
    private final ConnectionHandler inbound;
    private Scheduler.Task retry;
    private boolean ever;

    Listening(Scheduler clock, Logger log, NodeState node, Events events, ConnectionHandler inbound) {
        this.clock = clock;
        this.log = log;
        this.node = node;
        this.events = events;
        this.inbound = inbound;
    }

    /** @return {@code true} once the node has listened at least once */
    boolean ever() {
        return ever;
    }

    void listen() {
        Transport t = node.transport;
        if (t == null || node.stopped) {
            return;
        }
        try {
            node.listener = t.listen(node.settings.listen(), inbound);
            ever = true;
            log.info("listening on {}", ConfigValues.format(node.listener.address()));
            events.listening(node.identity.id(), node.listener.address());
        } catch (IOException | RuntimeException e) {
            log.error("{}; retrying in {}s", e.getMessage(), RETRY_MILLIS / 1000);
            retry = clock.schedule(() -> {
                retry = null;
                if (node.listener == null) {
                    listen();
                }
            }, RETRY_MILLIS);
        }
    }

    void close() {
        if (retry != null) {
            retry.cancel();
            retry = null;
        }
        if (node.listener != null) {
            try {
                node.listener.close();
            } catch (RuntimeException e) {
                log.debug("closing the listener: {}", e.toString());
            }
            node.listener = null;
        }
    }
}
