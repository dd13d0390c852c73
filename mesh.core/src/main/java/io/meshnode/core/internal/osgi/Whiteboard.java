package io.meshnode.core.internal.osgi;

import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.osgi.service.log.Logger;

import io.meshnode.api.config.ConfigValues;
import io.meshnode.api.mesh.MeshListener;
import io.meshnode.api.mesh.PeerDTO;
import io.meshnode.api.mesh.PeerState;
import io.meshnode.api.messaging.MessageHandler;
import io.meshnode.core.internal.engine.Events;
import io.meshnode.core.internal.wire.Protocol;

/**
 * The whiteboard: {@link MeshListener}s told about peers and listening, {@link MessageHandler}s given the
 * messages of their topics. Someone else's code: each call is guarded, and a failure is logged with the
 * service that failed.
 */
final class Whiteboard implements Events {
    private final Logger log;
    private final List<MeshListener> listeners = new CopyOnWriteArrayList<>();
    private final Map<MessageHandler, Set<String>> handlers = new ConcurrentHashMap<>();

    Whiteboard(Logger log) {
        this.log = log;
    }

    void add(MeshListener l) {
        listeners.add(l);
    }

    void remove(MeshListener l) {
        listeners.remove(l);
    }

    void add(MessageHandler h, Object topics) {
        handlers.put(h, topics(topics));
    }

    void remove(MessageHandler h) {
        handlers.remove(h);
    }

    @Override
    public void peerChanged(PeerDTO peer, PeerState previous) {
        for (MeshListener l : listeners) {
            try {
                l.peerChanged(peer, previous);
            } catch (RuntimeException e) {
                log.error("mesh listener {} failed: {}", l, e.toString());
            }
        }
    }

    @Override
    public void message(String peerId, String topic, byte[] payload) {
        int delivered = 0;
        for (Map.Entry<MessageHandler, Set<String>> e : handlers.entrySet()) {
            if (e.getValue().contains(topic)) {
                delivered++;
                try {
                    e.getKey().onMessage(peerId, topic, payload);
                } catch (RuntimeException x) {
                    log.error("message handler {} for topic '{}' failed: {}", e.getKey(), Protocol.printable(topic), x.toString());
                }
            }
        }
        if (delivered == 0) {
            log.debug("no handler for topic '{}' from {}", Protocol.printable(topic), peerId);
        }
    }

    @Override
    public void listening(String nodeId, InetSocketAddress address) {
        String at = ConfigValues.format(address);
        for (MeshListener l : listeners) {
            try {
                l.listening(nodeId, at);
            } catch (RuntimeException e) {
                log.error("mesh listener {} failed: {}", l, e.toString());
            }
        }
    }

    private static Set<String> topics(Object value) {
        if (value instanceof String[] a) {
            return Set.of(a);
        }
        if (value instanceof Collection<?> c) {
            return Set.copyOf(c.stream().map(String::valueOf).toList());
        }
        return value == null ? Set.of() : Set.of(value.toString());
    }
}
