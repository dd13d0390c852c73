package io.meshnode.core.internal.wire;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import io.meshnode.api.topology.NodeRole;
import io.meshnode.core.internal.wire.Frame.Data;
import io.meshnode.core.internal.wire.Frame.Goodbye;
import io.meshnode.core.internal.wire.Frame.Hello;
import io.meshnode.core.internal.wire.Frame.Ping;
import io.meshnode.core.internal.wire.Frame.Pong;
import io.meshnode.core.internal.wire.Frame.Refuse;
import io.meshnode.core.internal.wire.Frame.Unknown;

/**
 * The mesh protocol carried in transport frames. Every frame starts with a type byte:
 * <pre>
 * HELLO   1 | u16 version | u16 minVersion | u8 role | str id | u8 addrLen | addr bytes | u16 port
 *           | i32 frameMax | i64 capabilities | str topology | (fields a newer version appends)
 * REFUSE  2 | str reason
 * GOODBYE 3 | str reason | str detail       (sent before an intentional close)
 * PING    4 | i64 nonce | i64 sentNanos
 * PONG    5 | i64 nonce | i64 sentNanos     (echoes the ping)
 * DATA    6 | str topic | payload...
 * </pre>
 * where {@code str} is a u16 length and UTF-8 bytes. Anything else is a protocol error. {@link #parse} is the
 * one parser: the mesh's dispatcher and the fuzz test both call it.
 */
public final class Protocol {
    /**
     * The newest protocol version this build speaks. Version 2 is the negotiating hello: each side announces the
     * versions it speaks ({@link #MIN_VERSION} to {@link #VERSION}), its capabilities, its {@code frame.max} and its
     * topology; the pair speaks the highest version both do, sends only frames of capabilities both announced,
     * and a version-1 hello (before negotiation) is refused with the reason.
     */
    public static final int VERSION = 2;
    /** The oldest protocol version this build speaks. */
    public static final int MIN_VERSION = 2;

    public static final byte HELLO = 1;
    public static final byte REFUSE = 2;
    public static final byte GOODBYE = 3;
    public static final byte PING = 4;
    public static final byte PONG = 5;
    public static final byte DATA = 6;

    private static final int MAX_STRING = 1024;
    /** The smallest frame.max a node may announce: a hello, a goodbye and a useful message fit. */
    public static final int MIN_FRAME_MAX = 4_096;
    /** Capability: the node takes application messages (DATA frames). */
    public static final long CAP_DATA = 1L;
    /** The capabilities of this build. */
    public static final long CAPABILITIES = CAP_DATA;
    /** The longest topic, in UTF-8 bytes, sent or accepted. */
    public static final int MAX_TOPIC = 255;

    private Protocol() {}

    /** This build's hello: every protocol version it speaks, {@link #CAPABILITIES}, no frame limit, no topology. */
    public static byte[] hello(String id, NodeRole role, InetSocketAddress listen) {
        return hello(new Hello(VERSION, MIN_VERSION, id, role, listen, Integer.MAX_VALUE, CAPABILITIES, ""));
    }

    public static byte[] hello(Hello h) {
        byte[] idBytes = h.id().getBytes(StandardCharsets.UTF_8);
        byte[] addr = h.listen().getAddress().getAddress();
        byte[] topology = utf8(h.topology());
        ByteBuffer b = ByteBuffer.allocate(1 + 2 + 2 + 1 + 2 + idBytes.length + 1 + addr.length + 2 + 4 + 8 + 2
            + topology.length);
        b.put(HELLO).putShort((short) h.version()).putShort((short) h.minVersion()).put((byte) h.role().ordinal());
        putBytes(b, idBytes);
        b.put((byte) addr.length).put(addr).putShort((short) h.listen().getPort());
        b.putInt(h.frameMax()).putLong(h.capabilities());
        putBytes(b, topology);
        return b.array();
    }

    /**
     * Parses one frame a peer sent.
     *
     * @throws ProtocolException for an empty frame, an unknown type, or a body that does not follow its layout
     */
    public static Frame parse(byte[] frame) throws ProtocolException {
        if (frame.length == 0) {
            throw new ProtocolException("empty frame");
        }
        return switch (frame[0]) {
            case HELLO -> parseHello(frame);
            case REFUSE -> new Refuse(parseString(frame));
            case GOODBYE -> parseGoodbye(frame);
            case PING -> {
                long[] p = parsePing(frame);
                yield new Ping(p[0], p[1]);
            }
            case PONG -> {
                long[] p = parsePing(frame);
                yield new Pong(p[0], p[1]);
            }
            case DATA -> parseData(frame);
            default -> new Unknown(frame[0]);
        };
    }

    public static Hello parseHello(byte[] frame) throws ProtocolException {
        ByteBuffer b = body(frame);
        try {
            int version = b.getShort() & 0xFFFF;
            if (version < MIN_VERSION) {
                // Parse no further: an older version lays out the rest differently.
                return new Hello(version, version, null, null, null, 0, 0, null);
            }
            if (version > VERSION && b.remaining() < 2) {
                // A newer version that lays out its hello otherwise: refused for its version, not as garbage.
                return new Hello(version, version, null, null, null, 0, 0, null);
            }
            int minVersion = b.getShort() & 0xFFFF;
            if (minVersion > VERSION || minVersion > version) {
                // A newer version that no longer speaks ours may lay out the rest differently.
                return new Hello(version, minVersion, null, null, null, 0, 0, null);
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
            int frameMax = b.getInt();
            if (frameMax < MIN_FRAME_MAX) {
                throw new ProtocolException("frame.max of " + frameMax + " bytes (at least " + MIN_FRAME_MAX + ")");
            }
            long capabilities = b.getLong();
            String topology = string(b);
            if (!printable(topology).equals(topology)) {
                throw new ProtocolException("topology name with control characters: " + printable(topology));
            }
            if (version <= VERSION) {
                end(b); // a newer version may append fields; this one sends none
            }
            return new Hello(version, minVersion, id, NodeRole.values()[role],
                new InetSocketAddress(InetAddress.getByAddress(addr), port), frameMax, capabilities, topology);
        } catch (BufferUnderflowException e) {
            throw new ProtocolException("truncated hello");
        } catch (UnknownHostException e) {
            throw new ProtocolException("invalid listen address");
        }
    }

    /** A node id: the 40 lowercase hex digits of the first 20 bytes of the SHA-256 of its public key. */
    public static boolean isNodeId(String id) {
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
    public static String printable(String text) {
        return io.meshnode.api.config.ConfigValues.printable(text);
    }

    public static byte[] refuse(String reason) {
        return typedString(REFUSE, reason);
    }

    public static byte[] goodbye(String reason, String detail) {
        byte[] r = utf8(reason);
        byte[] d = utf8(detail);
        ByteBuffer b = ByteBuffer.allocate(1 + 2 + r.length + 2 + d.length);
        b.put(GOODBYE);
        putBytes(b, r);
        putBytes(b, d);
        return b.array();
    }

    private static Goodbye parseGoodbye(byte[] frame) throws ProtocolException {
        ByteBuffer b = body(frame);
        try {
            String reason = printable(string(b));
            String detail = printable(string(b));
            end(b);
            return new Goodbye(reason, detail);
        } catch (BufferUnderflowException e) {
            throw new ProtocolException("truncated goodbye");
        }
    }

    private static String parseString(byte[] frame) throws ProtocolException {
        ByteBuffer b = body(frame);
        try {
            String s = printable(string(b));
            end(b);
            return s;
        } catch (BufferUnderflowException e) {
            throw new ProtocolException("truncated frame");
        }
    }

    private static byte[] ping(byte type, long nonce, long sentNanos) {
        return ByteBuffer.allocate(17).put(type).putLong(nonce).putLong(sentNanos).array();
    }

    /** @return {nonce, sentNanos} */
    private static long[] parsePing(byte[] frame) throws ProtocolException {
        if (frame.length != 17) {
            throw new ProtocolException("ping/pong of " + frame.length + " bytes, expected 17");
        }
        ByteBuffer b = ByteBuffer.wrap(frame, 1, 16);
        return new long[] {b.getLong(), b.getLong()};
    }

    public static byte[] ping(long nonce, long sentNanos) {
        return ping(PING, nonce, sentNanos);
    }

    /** @return the pong that answers {@code ping} */
    public static byte[] pong(Ping ping) {
        return ping(PONG, ping.nonce(), ping.sentNanos());
    }

    /**
     * @throws IllegalArgumentException unless the topic is 1 to 255 bytes of UTF-8 without control characters
     *             (what a receiving node accepts)
     */
    public static byte[] data(String topic, byte[] payload) {
        return data(topic(topic), payload);
    }

    /**
     * @return the topic's UTF-8 bytes, checked once for the {@link #data(byte[], byte[])} frames of a sender that
     *         keeps using it
     * @throws IllegalArgumentException as {@link #data(String, byte[])}
     */
    public static byte[] topic(String topic) {
        byte[] t = utf8(topic);
        if (t.length == 0 || t.length > MAX_TOPIC || !printable(topic).equals(topic)
            || !topic.equals(new String(t, StandardCharsets.UTF_8))) {
            throw new IllegalArgumentException("topic must be 1 to " + MAX_TOPIC
                + " UTF-8 bytes without control characters: '" + printable(topic) + "'");
        }
        return t;
    }

    /** @param topic bytes from {@link #topic(String)} */
    public static byte[] data(byte[] topic, byte[] payload) {
        byte[] frame = new byte[1 + 2 + topic.length + payload.length];
        frame[0] = DATA;
        frame[1] = (byte) (topic.length >>> 8);
        frame[2] = (byte) topic.length;
        System.arraycopy(topic, 0, frame, 3, topic.length);
        System.arraycopy(payload, 0, frame, 3 + topic.length, payload.length);
        return frame;
    }

    /**
     * The last topic a connection's data frames named, decoded and checked once: a peer keeps sending the same
     * few topics. One per connection, used by one thread at a time.
     */
    public static final class TopicMemo {
        private byte[] bytes = new byte[0];
        private String topic;
    }

    /**
     * @param memo the connection's last topic, or {@code null}
     * @return the data frame {@code frame} holds
     * @throws ProtocolException as {@link #parse} for a data frame
     */
    public static Data parseData(byte[] frame, TopicMemo memo) throws ProtocolException {
        if (frame.length == 0 || frame[0] != DATA) {
            throw new ProtocolException("not a data frame");
        }
        if (memo != null && memo.topic != null && frame.length >= 3 + memo.bytes.length
            && ((frame[1] & 0xFF) << 8 | frame[2] & 0xFF) == memo.bytes.length
            && Arrays.equals(frame, 3, 3 + memo.bytes.length, memo.bytes, 0, memo.bytes.length)) {
            return new Data(memo.topic, Arrays.copyOfRange(frame, 3 + memo.bytes.length, frame.length));
        }
        Data d = parseData(frame);
        if (memo != null) {
            memo.topic = d.topic();
            memo.bytes = Arrays.copyOfRange(frame, 3, 3 + (frame.length - 3 - d.payload().length));
        }
        return d;
    }

    private static Data parseData(byte[] frame) throws ProtocolException {
        ByteBuffer b = body(frame);
        try {
            int len = b.getShort() & 0xFFFF;
            if (len == 0) {
                throw new ProtocolException("empty topic");
            }
            if (len > b.remaining()) {
                throw new ProtocolException("truncated data frame");
            }
            if (len > MAX_TOPIC) {
                throw new ProtocolException("topic of " + len + " bytes (at most " + MAX_TOPIC + ")");
            }
            String topic;
            try {
                topic = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(frame, 3, len)).toString();
            } catch (CharacterCodingException e) {
                throw new ProtocolException("topic is not valid UTF-8");
            }
            if (!printable(topic).equals(topic)) {
                throw new ProtocolException("topic contains control characters: " + printable(topic));
            }
            return new Data(topic, Arrays.copyOfRange(frame, 3 + len, frame.length));
        } catch (BufferUnderflowException e) {
            throw new ProtocolException("truncated data frame");
        }
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
