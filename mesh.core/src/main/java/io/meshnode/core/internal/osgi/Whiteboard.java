package io.meshnode.core.internal.osgi;

import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.log.Logger;

import io.meshnode.api.config.ConfigValues;
import io.meshnode.api.mesh.MeshListener;
import io.meshnode.api.mesh.PeerDTO;
import io.meshnode.api.mesh.PeerState;
import io.meshnode.api.messaging.MessageHandler;
import io.meshnode.core.internal.engine.Events;

/**
 * The whiteboard: {@link MeshListener}s told about peers and listening, {@link MessageHandler}s given the messages
 * of their topics. Someone else's code: each service is called on its own {@link Mailbox} thread, never on the mesh
 * thread, so a slow or blocking one delays only itself; what it cannot take is dropped, counted per topic and
 * logged; what it throws is logged with the service that threw. A handler object is got only when its first
 * message arrives, so a component may both handle topics and reference {@code Messaging}.
 */
final class Whiteboard implements Events {
    /** How often a handler that keeps dropping is logged again. */
    private static final long DROP_LOG_NANOS = 10_000_000_000L;

    private final BundleContext context;
    private final Logger log;
    private final Map<MeshListener, Mailbox> listeners = new ConcurrentHashMap<>();
    private final Map<ServiceReference<MessageHandler>, Subscriber> handlers = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> dropped = new ConcurrentHashMap<>();

    Whiteboard(BundleContext context, Logger log) {
        this.context = context;
        this.log = log;
    }

    void add(MeshListener l) {
        listeners.put(l, new Mailbox("meshnode-listener-" + l.getClass().getSimpleName()));
    }

    void remove(MeshListener l) {
        Mailbox m = listeners.remove(l);
        if (m != null) {
            m.close();
        }
    }

    void add(ServiceReference<MessageHandler> ref) {
        handlers.compute(ref, (r, old) -> {
            if (old != null) {
                old.topics = topics(r.getProperty(MessageHandler.TOPIC));
                return old;
            }
            return new Subscriber(r);
        });
    }

    void remove(ServiceReference<MessageHandler> ref) {
        Subscriber s = handlers.remove(ref);
        if (s != null) {
            s.close();
        }
    }

    /** @return payloads dropped per topic since the mesh started, because the topic's handler was behind */
    Map<String, Long> dropped() {
        Map<String, Long> out = new TreeMap<>();
        dropped.forEach((t, n) -> out.put(ConfigValues.printable(t), n.get()));
        return out;
    }

    void close() {
        listeners.values().forEach(Mailbox::close);
        handlers.values().forEach(Subscriber::close);
    }

    @Override
    public void peerChanged(PeerDTO peer, PeerState previous) {
        listeners.forEach((l, m) -> {
            if (!m.offer(() -> {
                try {
                    l.peerChanged(peer, previous);
                } catch (RuntimeException e) {
                    log.error("mesh listener {} failed: {}", l, e.toString());
                }
            })) {
                log.warn("mesh listener {} is behind: a peer event for {} was dropped", l, peer.address);
            }
        });
    }

    @Override
    public void message(String peerId, String topic, byte[] payload) {
        int delivered = 0;
        for (Subscriber s : handlers.values()) {
            if (s.topics.contains(topic)) {
                delivered++;
                s.deliver(peerId, topic, payload);
            }
        }
        if (delivered == 0) {
            log.debug("no handler for topic '{}' from {}", ConfigValues.printable(topic), peerId);
        }
    }

    @Override
    public void listening(String nodeId, InetSocketAddress address) {
        String at = ConfigValues.format(address);
        listeners.forEach((l, m) -> m.offer(() -> {
            try {
                l.listening(nodeId, at);
            } catch (RuntimeException e) {
                log.error("mesh listener {} failed: {}", l, e.toString());
            }
        }));
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

    /** One handler service: its topics, its mailbox, and the handler object once got. */
    private final class Subscriber {
        final ServiceReference<MessageHandler> ref;
        volatile Set<String> topics;
        final Mailbox mailbox;
        /** Got on the mailbox thread at the first message; only that thread touches it. */
        private MessageHandler handler;
        private volatile long lastDropLog;

        Subscriber(ServiceReference<MessageHandler> ref) {
            this.ref = ref;
            this.topics = topics(ref.getProperty(MessageHandler.TOPIC));
            this.mailbox = new Mailbox("meshnode-handler-" + ref.getProperty(Constants.SERVICE_ID));
        }

        void deliver(String peerId, String topic, byte[] payload) {
            if (mailbox.offer(() -> call(peerId, topic, payload))) {
                return;
            }
            long n = dropped.computeIfAbsent(topic, t -> new AtomicLong()).incrementAndGet();
            long now = System.nanoTime();
            if (now - lastDropLog > DROP_LOG_NANOS) {
                lastDropLog = now;
                log.warn("the handler of topic '{}' ({}) is behind: {} payloads dropped so far", ConfigValues.printable(topic),
                    describe(), n);
            }
        }

        private void call(String peerId, String topic, byte[] payload) {
            if (handler == null) {
                handler = context.getService(ref);
                if (handler == null) {
                    return; // gone meanwhile
                }
            }
            try {
                handler.onMessage(peerId, topic, payload);
            } catch (RuntimeException e) {
                log.error("message handler {} for topic '{}' failed: {}", describe(), ConfigValues.printable(topic),
                    e.toString());
            }
        }

        private String describe() {
            return ref.getProperty("component.name") + " (" + (ref.getBundle() == null ? "?" : ref.getBundle().getSymbolicName())
                + ")";
        }

        void close() {
            mailbox.close();
            try {
                context.ungetService(ref);
            } catch (IllegalStateException e) {
                // the bundle context is no longer valid: the framework ungets it
            }
        }
    }
}
