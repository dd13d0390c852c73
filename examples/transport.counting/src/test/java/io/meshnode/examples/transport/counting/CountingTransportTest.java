package io.meshnode.examples.transport.counting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.junit.jupiter.api.Test;

import io.meshnode.api.testing.RecordingLogger;
import io.meshnode.api.transport.CloseReason;
import io.meshnode.api.transport.Connection;
import io.meshnode.api.transport.ConnectionHandler;
import io.meshnode.api.transport.Direction;
import io.meshnode.api.transport.Listener;
import io.meshnode.api.transport.Transport;

class CountingTransportTest {
    private static final InetSocketAddress PEER = new InetSocketAddress("127.0.0.9", 7800);

    /** The undecorated transport: one connection, whose callbacks the test fires. */
    private static final class Plain implements Transport, Connection {
        ConnectionHandler handler;
        final List<byte[]> sent = new ArrayList<>();

        @Override
        public Listener listen(InetSocketAddress address, ConnectionHandler h) {
            handler = h;
            return null;
        }

        @Override
        public CompletionStage<Connection> connect(InetSocketAddress remote, InetSocketAddress local, ConnectionHandler h) {
            handler = h;
            h.opened(this);
            return CompletableFuture.completedFuture(this);
        }

        @Override
        public long id() {
            return 7;
        }

        @Override
        public Direction direction() {
            return Direction.OUTBOUND;
        }

        @Override
        public InetSocketAddress remoteAddress() {
            return PEER;
        }

        @Override
        public InetSocketAddress localAddress() {
            return null;
        }

        @Override
        public CompletionStage<Void> send(byte[] frame) {
            sent.add(frame);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public boolean isWritable() {
            return true;
        }

        @Override
        public void established() {}

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close(CloseReason reason, String detail) {
            handler.closed(this, reason, detail);
        }
    }

    /** The mesh side: records which connection object each callback carried. */
    private static final class Mesh implements ConnectionHandler {
        final List<Connection> seen = new ArrayList<>();

        @Override
        public void opened(Connection c) {
            seen.add(c);
        }

        @Override
        public void frame(Connection c, byte[] frame) {
            seen.add(c);
        }

        @Override
        public void closed(Connection c, CloseReason reason, String detail) {
            seen.add(c);
        }

        @Override
        public void writabilityChanged(Connection c, boolean writable) {
            seen.add(c);
        }
    }

    @Test
    void countsBothDirectionsAndHandsTheMeshOneConnectionObject() {
        RecordingLogger log = new RecordingLogger();
        Plain plain = new Plain();
        CountingTransport counting = new CountingTransport(plain, log.logger());
        Mesh mesh = new Mesh();

        Connection c = counting.connect(PEER, null, mesh).toCompletableFuture().join();
        c.send(new byte[10]);
        c.send(new byte[5]);
        plain.handler.frame(plain, new byte[3]);
        c.close(CloseReason.ADMIN, "bye");

        assertEquals(2, plain.sent.size(), "frames passed through");
        assertEquals(3, mesh.seen.size());
        mesh.seen.forEach(x -> assertSame(c, x, "the same wrapper in every callback"));
        assertTrue(log.has("INFO", "received 1 frames / 3 bytes, sent 2 frames / 15 bytes"), log.lines().toString());
        counting.deactivate();
        assertTrue(log.has("INFO", "3 bytes received, 15 bytes sent in all"), log.lines().toString());
    }

    @Test
    void passesTheFlowControlMethodsThroughAndA11TransportGetsTheirDefaults() {
        RecordingLogger log = new RecordingLogger();
        Plain plain = new Plain(); // written against transport 1.1: the 1.2 methods are the interface's defaults
        CountingTransport counting = new CountingTransport(plain, log.logger());
        Mesh mesh = new Mesh();

        Connection c = counting.connect(PEER, null, mesh).toCompletableFuture().join();
        c.sendControl(new byte[4]);
        assertEquals(0, c.pendingBytes());
        c.pauseReads();
        c.resumeReads();
        plain.handler.writabilityChanged(plain, false);
        c.close(CloseReason.SHUTDOWN, "stopping", new byte[6]).toCompletableFuture().join();

        assertEquals(2, plain.sent.size(), "the control frame and the last frame went out through send");
        assertEquals(6, plain.sent.get(1).length);
        assertEquals(3, mesh.seen.size());
        mesh.seen.forEach(x -> assertSame(c, x, "the same wrapper in every callback"));
        assertTrue(log.has("INFO", "(SHUTDOWN): received 0 frames / 0 bytes, sent 2 frames / 10 bytes"),
            log.lines().toString());
    }
}
