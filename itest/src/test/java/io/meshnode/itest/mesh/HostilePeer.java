package io.meshnode.itest.mesh;

import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import javax.net.ssl.SSLSocket;

/**
 * A hostile client that speaks the mesh protocol with a key of its own ({@link TestKey}): TLS 1.3 with its
 * Ed25519 certificate, a version-2 hello claiming whatever endpoint it likes, then whatever frames the test
 * wants, read as slowly as the test likes (not at all, unless it asks).
 */
final class HostilePeer implements AutoCloseable {
    static final byte HELLO = 1;
    static final byte REFUSE = 2;
    static final byte PING = 4;

    final TestKey key;
    final SSLSocket socket;
    private final DataOutputStream out;
    private final DataInputStream in;

    private HostilePeer(TestKey key, SSLSocket socket) throws IOException {
        this.key = key;
        this.socket = socket;
        this.out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream(), 64 * 1024));
        this.in = new DataInputStream(socket.getInputStream());
    }

    /** Connects from {@code from} (port 0) and completes TLS; nothing of the mesh protocol sent yet. */
    static HostilePeer connect(TestKey key, InetSocketAddress node, InetAddress from) throws IOException {
        return new HostilePeer(key, key.connect(node, from));
    }

    /** Sends its hello with its own id, claiming to listen on {@code claimed}. */
    HostilePeer hello(InetSocketAddress claimed) throws IOException {
        send(TestKey.hello(key.id, claimed));
        return this;
    }

    void send(byte[] frame) throws IOException {
        write(frame);
        out.flush();
    }

    /** Queues a frame without flushing (a flood writes many per flush). */
    void write(byte[] frame) throws IOException {
        out.writeInt(frame.length);
        out.write(frame);
    }

    void flush() throws IOException {
        out.flush();
    }

    static byte[] ping(long nonce) {
        return ByteBuffer.allocate(17).put(PING).putLong(nonce).putLong(System.nanoTime()).array();
    }

    /** @return the next frame, or {@code null} once the node closed the connection (or within the read timeout) */
    byte[] read() throws IOException {
        try {
            byte[] frame = new byte[in.readInt()];
            in.readFully(frame);
            return frame;
        } catch (EOFException | SocketException | SocketTimeoutException end) {
            return null;
        }
    }

    /** @return whether the node answered the hello with its own and no refusal among the first frames */
    boolean answeredWithHello() throws IOException {
        byte[] first = read();
        return first != null && first[0] == HELLO;
    }

    /** Reads frames until a REFUSE (its reason) or the end of the stream ({@code null}). */
    String refusal() throws IOException {
        for (byte[] f; (f = read()) != null;) {
            if (f[0] == REFUSE) {
                int n = ((f[1] & 0xFF) << 8) | (f[2] & 0xFF);
                return new String(f, 3, n, StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    /**
     * Sends pings as fast as the socket takes them, reading nothing, until {@code count} are sent or the node closes.
     *
     * @return the pings written
     */
    int floodPings(int count) {
        int sent = 0;
        try {
            for (; sent < count; sent++) {
                write(ping(sent));
                if (sent % 1000 == 999) {
                    out.flush();
                }
            }
            out.flush();
        } catch (IOException closed) {
            // the node closed the connection: what the test wants to see
        }
        return sent;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
