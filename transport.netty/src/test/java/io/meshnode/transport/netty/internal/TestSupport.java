package io.meshnode.transport.netty.internal;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;


import io.meshnode.api.testing.Configs;
import io.meshnode.api.transport.CloseReason;
import io.meshnode.api.transport.Connection;
import io.meshnode.api.transport.ConnectionHandler;

final class TestSupport {
    private TestSupport() {
    }

    /** A Config whose keys ("frame.max", ...) default to the annotation defaults. */
    static NettyTransport.Config config(Map<String, String> values) {
        return Configs.of(NettyTransport.Config.class, values);
    }

    record Closed(CloseReason reason, String detail) {}

    static KeyPair newKeys() {
        try {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Records events and every breach of the handler contract (order, exactly-once close). */
    static class Recorder implements ConnectionHandler {
        final boolean establish;
        final BlockingQueue<Connection> opened = new LinkedBlockingQueue<>();
        final Map<Connection, BlockingQueue<byte[]>> frames = new ConcurrentHashMap<>();
        final Map<Connection, CompletableFuture<Closed>> closed = new ConcurrentHashMap<>();
        final List<String> violations = new CopyOnWriteArrayList<>();
        final List<String> rejected = new CopyOnWriteArrayList<>();
        final Map<Connection, BlockingQueue<Boolean>> writability = new ConcurrentHashMap<>();
        private final Map<Connection, Boolean> lastWritability = new ConcurrentHashMap<>();
        KeyPair keys = newKeys();

        @Override
        public KeyPair identity() {
            return keys;
        }

        @Override
        public void rejected(InetSocketAddress remote, CloseReason reason, String detail) {
            rejected.add(reason + " " + detail);
        }

        /** @param establish call {@link Connection#established()} from opened */
        Recorder(boolean establish) {
            this.establish = establish;
        }

        @Override
        public void opened(Connection c) {
            if (frames.putIfAbsent(c, new LinkedBlockingQueue<>()) != null) {
                violations.add("opened twice: " + c);
            }
            if (establish) {
                c.established();
            }
            opened.add(c);
        }

        @Override
        public void frame(Connection c, byte[] frame) {
            BlockingQueue<byte[]> q = frames.get(c);
            if (q == null || closedFuture(c).isDone()) {
                violations.add("frame outside opened..closed: " + c);
            } else {
                q.add(frame);
            }
        }

        @Override
        public void closed(Connection c, CloseReason reason, String detail) {
            if (!frames.containsKey(c)) {
                violations.add("closed before opened: " + c);
            }
            if (!closedFuture(c).complete(new Closed(reason, detail))) {
                violations.add("closed twice: " + c + " " + reason);
            }
        }

        @Override
        public void writabilityChanged(Connection c, boolean writable) {
            if (!frames.containsKey(c) || closedFuture(c).isDone()) {
                violations.add("writability outside opened..closed: " + c);
            }
            // A connection opens writable, and the calls alternate.
            if (lastWritability.getOrDefault(c, true) == writable) {
                violations.add("writability " + writable + " twice in a row: " + c);
            }
            lastWritability.put(c, writable);
            writability.computeIfAbsent(c, k -> new LinkedBlockingQueue<>()).add(writable);
        }

        /** @return the next writability change reported for c, waiting up to 10s */
        boolean nextWritability(Connection c) throws InterruptedException {
            Boolean w = writability.computeIfAbsent(c, k -> new LinkedBlockingQueue<>()).poll(10, SECONDS);
            assertNotNull(w, "no writability change within 10s on " + c);
            return w;
        }

        CompletableFuture<Closed> closedFuture(Connection c) {
            return closed.computeIfAbsent(c, k -> new CompletableFuture<>());
        }

        Connection nextOpened() throws InterruptedException {
            Connection c = opened.poll(5, SECONDS);
            assertNotNull(c, "no connection opened within 5s");
            return c;
        }

        Closed awaitClosed(Connection c) throws Exception {
            return closedFuture(c).get(5, SECONDS);
        }

        byte[] nextFrame(Connection c) throws InterruptedException {
            byte[] f = frames.get(c).poll(5, SECONDS);
            assertNotNull(f, "no frame within 5s on " + c);
            return f;
        }
    }
}
