package io.meshnode.core.internal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import io.meshnode.api.topology.NodeRole;

/**
 * The mesh protocol carried in transport frames. Every frame starts with a type byte:
 * <pre>
 * HELLO   1 | u16 version | u8 role | str id | u8 addrLen | addr bytes | u16 port
 * REFUSE  2 | str reason
 * GOODBYE 3 | str reason | str detail       (sent before an intentional close)
 * PING    4 | i64 nonce | i64 sentNanos
 * PONG    5 | i64 nonce | i64 sentNanos     (echoes the ping)
 * DATA    6 | str topic | payload...
 * </pre>
 * where {@code str} is a u16 length and UTF-8 bytes. Anything else is a protocol error.
 */
final class Protocol {
    static final int VERSION = 1;

    static final byte HELLO = 1;
    static final byte REFUSE = 2;
    static final byte GOODBYE = 3;
    static final byte PING = 4;
    static final byte PONG = 5;
    static final byte DATA = 6;

    private static final int MAX_STRING = 1024;

    private Protocol() {}

    /** A frame that does not follow the protocol. */
    static final class ProtocolException extends Exception {
        private static final long serialVersionUID = 1L;

        ProtocolException(String message) {
            super(message);
        }
    }

    static final class Hello {
        final int version;
        final String id;
        final NodeRole role;
        final InetSocketAddress listen;

        Hello(int version, String id, NodeRole role, InetSocketAddress listen) {
            this.version = version;
            this.id = id;
            this.role = role;
            this.listen = listen;
        }
    }

    static byte[] hello(String id, NodeRole role, InetSocketAddress listen) {
        byte[] idBytes = id.getBytes(StandardCharsets.UTF_8);
        byte[] addr = listen.getAddress().getAddress();
        ByteBuffer b = ByteBuffer.allocate(1 + 2 + 1 + 2 + idBytes.length + 1 + addr.length + 2);
        b.put(HELLO).putShort((short) VERSION).put((byte) role.ordinal());
        putBytes(b, idBytes);
        b.put((byte) addr.length).put(addr).putShort((short) listen.getPort());
        return b.array();
    }

    static Hello parseHello(byte[] frame) throws ProtocolException {
        ByteBuffer b = body(frame);
        try {
            int version = b.getShort() & 0xFFFF;
            if (version != VERSION) {
                // Parse no further: a different version may lay out the rest differently.
                return new Hello(version, null, null, null);
            }
            int role = b.get() & 0xFF;
            if (role >= NodeRole.values().length) {
                throw new ProtocolException("unknown role " + role);
            }
            String id = string(b);
            if (!isNodeId(id)) {
                throw new ProtocolException("invalid node id (not 40 lowercase hex digits): " + printable(id));
            }
            int len = b.get() & 0xFF;
            if (len != 4 && len != 16) {
                throw new ProtocolException("invalid listen address length " + len);
            }
            byte[] addr = new byte[len];
            b.get(addr);
            int port = b.getShort() & 0xFFFF;
            end(b);
            return new Hello(version, id, NodeRole.values()[role], new InetSocketAddress(InetAddress.getByAddress(addr), port));
        } catch (BufferUnderflowException e) {
            throw new ProtocolException("truncated hello");
        } catch (UnknownHostException e) {
            throw new ProtocolException("invalid listen address");
        }
    }

    /** A node id: the 40 lowercase hex digits of the first 20 bytes of the SHA-256 of its public key. */
    static boolean isNodeId(String id) {
        if (id.length() != 40) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    /**
     * Text a peer supplied, made safe for a log line or a console: control characters (line breaks
     * among them, which could forge log lines) become escapes (a backslash, "u" and four hex digits).
     */
    static String printable(String text) {
        return io.meshnode.api.config.ConfigValues.printable(text);
    }

    static byte[] refuse(String reason) {
        return typedString(REFUSE, reason);
    }

    static byte[] goodbye(String reason, String detail) {
        byte[] r = utf8(reason);
        byte[] d = utf8(detail);
        ByteBuffer b = ByteBuffer.allocate(1 + 2 + r.length + 2 + d.length);
        b.put(GOODBYE);
        putBytes(b, r);
        putBytes(b, d);
        return b.array();
    }

    static String[] parseGoodbye(byte[] frame) throws ProtocolException {
        ByteBuffer b = body(frame);
        try {
            String reason = printable(string(b));
            String detail = printable(string(b));
            end(b);
            return new String[] {reason, detail};
        } catch (BufferUnderflowException e) {
            throw new ProtocolException("truncated goodbye");
        }
    }

    static String parseString(byte[] frame) throws ProtocolException {
        ByteBuffer b = body(frame);
        try {
            String s = printable(string(b));
            end(b);
            return s;
        } catch (BufferUnderflowException e) {
            throw new ProtocolException("truncated frame");
        }
    }

    static byte[] ping(byte type, long nonce, long sentNanos) {
        return ByteBuffer.allocate(17).put(type).putLong(nonce).putLong(sentNanos).array();
    }

    /** @return {nonce, sentNanos} */
    static long[] parsePing(byte[] frame) throws ProtocolException {
        if (frame.length != 17) {
            throw new ProtocolException("ping/pong of " + frame.length + " bytes, expected 17");
        }
        ByteBuffer b = ByteBuffer.wrap(frame, 1, 16);
        return new long[] {b.getLong(), b.getLong()};
    }

    /** Echoes a ping as a pong without copying its fields. */
    static byte[] pongFor(byte[] ping) {
        byte[] pong = ping.clone();
        pong[0] = PONG;
        return pong;
    }

    static byte[] data(String topic, byte[] payload) {
        byte[] t = utf8(topic);
        if (t.length == 0 || t.length > 255) {
            throw new IllegalArgumentException("topic must be 1 to 255 UTF-8 bytes: '" + topic + "'");
        }
        ByteBuffer b = ByteBuffer.allocate(1 + 2 + t.length + payload.length);
        b.put(DATA);
        putBytes(b, t);
        b.put(payload);
        return b.array();
    }

    /** @return the topic; the payload starts at {@link #dataOffset(String)} */
    static String dataTopic(byte[] frame) throws ProtocolException {
        ByteBuffer b = body(frame);
        try {
            String topic = string(b);
            if (topic.isEmpty()) {
                throw new ProtocolException("empty topic");
            }
            return topic;
        } catch (BufferUnderflowException e) {
            throw new ProtocolException("truncated data frame");
        }
    }

    /**
     * @param frame a frame whose topic {@link #dataTopic} parsed
     * @param topic that topic (unused: the payload starts after the topic's bytes as sent, which re-encoding the
     *            decoded topic does not reproduce when the peer sent invalid UTF-8 — found by fuzzing)
     */
    static byte[] dataPayload(byte[] frame, String topic) {
        int topicBytes = ((frame[1] & 0xFF) << 8) | (frame[2] & 0xFF);
        return Arrays.copyOfRange(frame, 3 + topicBytes, frame.length);
    }

    private static ByteBuffer body(byte[] frame) {
        return ByteBuffer.wrap(frame, 1, frame.length - 1);
    }

    private static void end(ByteBuffer b) throws ProtocolException {
        if (b.hasRemaining()) {
            throw new ProtocolException(b.remaining() + " unexpected trailing bytes");
        }
    }

    private static byte[] typedString(byte type, String s) {
        byte[] u = utf8(s);
        ByteBuffer b = ByteBuffer.allocate(1 + 2 + u.length);
        b.put(type);
        putBytes(b, u);
        return b.array();
    }

    private static byte[] utf8(String s) {
        byte[] u = (s == null ? "" : s).getBytes(StandardCharsets.UTF_8);
        return u.length > MAX_STRING ? Arrays.copyOf(u, MAX_STRING) : u;
    }

    private static void putBytes(ByteBuffer b, byte[] bytes) {
        b.putShort((short) bytes.length).put(bytes);
    }

    private static String string(ByteBuffer b) throws ProtocolException {
        int len = b.getShort() & 0xFFFF;
        if (len > MAX_STRING) {
            throw new ProtocolException("string of " + len + " bytes");
        }
        if (len > b.remaining()) {
            throw new BufferUnderflowException();
        }
        byte[] bytes = new byte[len];
        b.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
