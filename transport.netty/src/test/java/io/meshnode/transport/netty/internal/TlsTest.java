package io.meshnode.transport.netty.internal;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.meshnode.api.testing.RecordingLogger;
import io.meshnode.api.transport.CloseReason;
import io.meshnode.api.transport.Connection;
import io.meshnode.api.transport.Listener;
import io.meshnode.transport.netty.internal.TestSupport.Recorder;

/** TLS 1.3 with the node keys, and what the transport does before a connection has proven anything. */
class TlsTest {
    private static final InetSocketAddress ANY_PORT = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    private final List<NettyTransport> transports = new ArrayList<>();
    private final RecordingLogger log = new RecordingLogger();

    @AfterEach
    void stop() {
        transports.forEach(NettyTransport::deactivate);
    }

    private NettyTransport transport(Map<String, String> config) {
        NettyTransport t = new NettyTransport(log.logger(), TestSupport.config(config), Map.of(), true);
        transports.add(t);
        return t;
    }

    /** Reads until the peer closes; the bytes read, or a reset. */
    private static int drain(Socket raw) throws IOException {
        raw.setSoTimeout(10_000);
        InputStream in = raw.getInputStream();
        int n = 0;
        try {
            while (in.read() >= 0) {
                n++;
            }
        } catch (SocketException reset) {
            assertTrue(reset.getMessage().contains("reset"), reset::toString);
        }
        return n;
    }

    @Test
    void bothSidesProveTheirNodeKeysAndFramesFlow() throws Exception {
        NettyTransport server = transport(Map.of());
        NettyTransport client = transport(Map.of());
        assertTrue(server.authenticates());
        Recorder serverEvents = new Recorder(true);
        Recorder clientEvents = new Recorder(true);
        Listener listener = server.listen(ANY_PORT, serverEvents);

        Connection out = client.connect(listener.address(), ANY_PORT, clientEvents).toCompletableFuture().get(10, SECONDS);
        Connection in = serverEvents.nextOpened();
        assertEquals(serverEvents.keys.getPublic(), out.peerKey(), "the client saw the server's node key");
        assertEquals(clientEvents.keys.getPublic(), in.peerKey(), "the server saw the client's node key");
        assertTrue(out.security().startsWith("TLSv1.3 TLS_"), out.security());

        // A connection opens with a small frame (in the mesh, the hello); then frames up to frame.max.
        out.send(new byte[] {1}).toCompletableFuture().get(5, SECONDS);
        assertArrayEquals(new byte[] {1}, serverEvents.nextFrame(in));
        byte[] big = new byte[300_000];
        big[299_999] = 7;
        out.send(big).toCompletableFuture().get(5, SECONDS);
        assertArrayEquals(big, serverEvents.nextFrame(in));
        in.send(new byte[] {1, 2, 3});
        assertArrayEquals(new byte[] {1, 2, 3}, clientEvents.nextFrame(out));
        assertTrue(serverEvents.violations.isEmpty() && clientEvents.violations.isEmpty());
    }

    @Test
    void theCertificateIsAStableSelfSignedEd25519Certificate() throws Exception {
        KeyPair keys = TestSupport.newKeys();
        var cert = NodeCertificate.create(keys);
        cert.verify(keys.getPublic());
        cert.checkValidity();
        assertEquals(keys.getPublic(), cert.getPublicKey());
        assertEquals(3, cert.getVersion());
        assertArrayEquals(cert.getEncoded(), NodeCertificate.create(keys).getEncoded(), "deterministic");
    }

    @Test
    void aNodeThatPresentsAnEd448KeyIsRefusedAtTheTlsHandshake() throws Exception {
        NettyTransport server = transport(Map.of());
        NettyTransport client = transport(Map.of());
        Recorder serverEvents = new Recorder(true);
        Recorder clientEvents = new Recorder(true);
        // EdDSA, but not the Ed25519 that node ids derive from.
        clientEvents.keys = java.security.KeyPairGenerator.getInstance("Ed448").generateKeyPair();
        Listener listener = server.listen(ANY_PORT, serverEvents);
        // In TLS 1.3 the client finishes before the server has checked its certificate: the server closes then.
        client.connect(listener.address(), ANY_PORT, clientEvents);
        waitFor(() -> !serverEvents.rejected.isEmpty());
        assertTrue(serverEvents.opened.isEmpty(), "never opened");
        assertTrue(serverEvents.rejected.get(0).startsWith("PROTOCOL_ERROR TLS handshake failed")
            && serverEvents.rejected.get(0).contains("node keys are Ed25519, not Ed448"), serverEvents.rejected::toString);
    }

    @Test
    void theWarmUpHandshakeCompletes() throws Exception {
        // The warm-up must really handshake, or it warms nothing.
        assertTrue(Tls.warmUp());
    }

    @Test
    void aPlainTcpClientGetsAClosedConnectionAndNothingElse() throws Exception {
        NettyTransport server = transport(Map.of());
        Recorder events = new Recorder(true);
        Listener listener = server.listen(ANY_PORT, events);
        try (Socket raw = new Socket(listener.address().getAddress(), listener.address().getPort())) {
            raw.getOutputStream().write(new byte[] {0, 0, 0, 5, 1, 0, 1, 0, 0});
            raw.getOutputStream().flush();
            assertEquals(0, drain(raw), "not a byte back, not even a TLS alert");
        }
        waitFor(() -> !events.rejected.isEmpty());
        assertTrue(events.opened.isEmpty(), "never opened");
        assertTrue(events.rejected.get(0).startsWith("PROTOCOL_ERROR TLS handshake failed"), events.rejected::toString);
    }

    @Test
    void aHalfHandshakeIsCutAtTheHandshakeTimeout() throws Exception {
        NettyTransport server = transport(Map.of("handshake.timeout", "300ms"));
        Recorder events = new Recorder(true);
        Listener listener = server.listen(ANY_PORT, events);
        try (Socket raw = new Socket(listener.address().getAddress(), listener.address().getPort())) {
            // The start of a TLS record header, then silence.
            raw.getOutputStream().write(new byte[] {0x16, 0x03, 0x01});
            raw.getOutputStream().flush();
            assertEquals(0, drain(raw), "closed without a byte sent");
        }
        waitFor(() -> !events.rejected.isEmpty());
        assertEquals("HANDSHAKE_TIMEOUT no handshake within 300ms", events.rejected.get(0));
        assertTrue(events.opened.isEmpty());
    }

    @Test
    void connectionsOverTheUnauthenticatedCapsAreClosedAtOnce() throws Exception {
        NettyTransport server = transport(Map.of("unauthenticated.per.address", "2", "handshake.timeout", "10s"));
        Recorder events = new Recorder(true);
        Listener listener = server.listen(ANY_PORT, events);
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                held.add(new Socket(listener.address().getAddress(), listener.address().getPort()));
            }
            waitFor(() -> server.unauthenticated() == 2);
            for (int i = 0; i < 5; i++) {
                try (Socket extra = new Socket(listener.address().getAddress(), listener.address().getPort())) {
                    assertEquals(0, drain(extra));
                }
            }
            assertEquals(2, server.unauthenticated());
            assertTrue(log.lines().stream().anyMatch(l -> l.contains("over the cap of unauthenticated connections")),
                log.lines()::toString);
            assertTrue(events.rejected.isEmpty(), "over-cap closes are not the handler's business");
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
        waitFor(() -> server.unauthenticated() == 0);
    }

    @Test
    void theOverallCapHoldsAcrossSourceAddresses() throws Exception {
        NettyTransport server = transport(Map.of("unauthenticated.max", "3", "unauthenticated.per.address", "3",
            "handshake.timeout", "10s"));
        Recorder events = new Recorder(true);
        Listener listener = server.listen(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), events);
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 2; i <= 4; i++) { // three sources, one connection each: under any per-address cap
                held.add(new Socket(listener.address().getAddress(), listener.address().getPort(),
                    InetAddress.getByName("127.0.0." + i), 0));
            }
            waitFor(() -> server.unauthenticated() == 3);
            try (Socket fourth = new Socket(listener.address().getAddress(), listener.address().getPort(),
                InetAddress.getByName("127.0.0.5"), 0)) {
                assertEquals(0, drain(fourth), "closed at once, not a byte back");
            }
            assertEquals(3, server.unauthenticated());
            assertTrue(events.opened.isEmpty());
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
        waitFor(() -> server.unauthenticated() == 0);
    }

    @Test
    void aSourceTheHandlerRefusesIsClosedBeforeAnyHandshake() throws Exception {
        NettyTransport server = transport(Map.of());
        Recorder events = new Recorder(true) {
            @Override
            public boolean accept(InetSocketAddress remote) {
                return false;
            }
        };
        Listener listener = server.listen(ANY_PORT, events);
        NettyTransport client = transport(Map.of());
        ExecutionException failed = assertThrows(ExecutionException.class,
            () -> client.connect(listener.address(), ANY_PORT, new Recorder(true)).toCompletableFuture().get(10, SECONDS));
        assertInstanceOf(IOException.class, failed.getCause());
        assertTrue(events.opened.isEmpty() && events.rejected.isEmpty());
        assertEquals(0, server.unauthenticated());
    }

    @Test
    void withoutANodeKeyTlsCannotStart() throws Exception {
        NettyTransport server = transport(Map.of());
        Listener listener = server.listen(ANY_PORT, new Recorder(true));
        Recorder keyless = new Recorder(true);
        keyless.keys = null;
        ExecutionException failed = assertThrows(ExecutionException.class,
            () -> transport(Map.of()).connect(listener.address(), ANY_PORT, keyless).toCompletableFuture().get(10, SECONDS));
        assertTrue(failed.getCause().getMessage().contains("no node key"), failed.getCause()::toString);
    }

    @Test
    void tlsOffIsPlainAndWarns() throws Exception {
        NettyTransport t = transport(Map.of("tls", "off"));
        assertTrue(!t.authenticates());
        assertTrue(log.at("WARN").get(0).contains("tls = off: links are plain TCP"), log.lines()::toString);
    }

    private static void waitFor(java.util.concurrent.Callable<Boolean> condition) {
        org.awaitility.Awaitility.await().atMost(10, SECONDS).until(condition);
    }
}
