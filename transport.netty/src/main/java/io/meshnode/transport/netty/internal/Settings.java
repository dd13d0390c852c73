package io.meshnode.transport.netty.internal;

import java.time.Duration;
import java.util.Locale;

import io.meshnode.api.config.ConfigException;
import io.meshnode.api.config.ConfigValues;

/** One validated transport configuration. Connections keep the settings that were current when they opened. */
record Settings(int frameMax, Duration connectTimeout, Duration handshakeTimeout, int writeHigh, int writeLow, boolean tls,
    int unauthenticatedMax, int unauthenticatedPerAddress, long outboundBudget, int controlMax, Duration closeDeadline,
    Duration tcpUserTimeout) {
    static final int KIB = 1024;
    static final int MIB = 1024 * KIB;
    static final Settings DEFAULTS = new Settings(MIB, Duration.ofSeconds(3), Duration.ofSeconds(5), MIB, 256 * KIB, true,
        256, 8, 4L * MIB, 64 * KIB, Duration.ofSeconds(1), Duration.ofSeconds(30));

    /** Only the sizes and times of the first version; the rest at their defaults. */
    Settings(int frameMax, Duration connectTimeout, Duration handshakeTimeout, int writeHigh, int writeLow) {
        this(frameMax, connectTimeout, handshakeTimeout, writeHigh, writeLow, DEFAULTS.tls, DEFAULTS.unauthenticatedMax,
            DEFAULTS.unauthenticatedPerAddress, DEFAULTS.outboundBudget, DEFAULTS.controlMax, DEFAULTS.closeDeadline,
            DEFAULTS.tcpUserTimeout);
    }

    /** @throws ConfigException naming the file and key of the first invalid value */
    static Settings from(NettyTransport.Config config, ConfigValues values) {
        int frameMax = bytes(values, "frame.max", config.frame_max(), KIB, 64 * MIB);
        Duration connect = values.positiveDuration("connect.timeout", config.connect_timeout());
        if (connect.toMillis() > Integer.MAX_VALUE) {
            throw values.invalid("connect.timeout", config.connect_timeout(), "at most " + Integer.MAX_VALUE + "ms");
        }
        Duration handshake = values.positiveDuration("handshake.timeout", config.handshake_timeout());
        int high = bytes(values, "write.buffer.high", config.write_buffer_high(), KIB, 256 * MIB);
        int low = bytes(values, "write.buffer.low", config.write_buffer_low(), 0, 256 * MIB);
        if (low > high) {
            throw values.invalid("write.buffer.low", config.write_buffer_low(),
                "at most write.buffer.high (" + high + ")");
        }
        boolean tls = switch (config.tls().trim().toLowerCase(Locale.ROOT)) {
            case "on", "true" -> true;
            case "off", "false" -> false;
            default -> throw values.invalid("tls", config.tls(), "on or off");
        };
        int max = values.integer("unauthenticated.max", config.unauthenticated_max(), 1, 1_000_000);
        int perAddress = values.integer("unauthenticated.per.address", config.unauthenticated_per_address(), 1, max);
        long budget = values.size("outbound.budget", config.outbound_budget(), 64 * KIB, 1L << 40);
        if (budget < high) {
            throw values.invalid("outbound.budget", config.outbound_budget(),
                "at least write.buffer.high (" + high + ")");
        }
        int controlMax = bytes(values, "outbound.control.max", config.outbound_control_max(), KIB, 64 * MIB);
        Duration closeDeadline = values.positiveDuration("close.deadline", config.close_deadline());
        Duration userTimeout = values.duration("tcp.user.timeout", config.tcp_user_timeout());
        if (userTimeout.toMillis() > Integer.MAX_VALUE) {
            throw values.invalid("tcp.user.timeout", config.tcp_user_timeout(), "at most " + Integer.MAX_VALUE + "ms");
        }
        return new Settings(frameMax, connect, handshake, high, low, tls, max, perAddress, budget, controlMax,
            closeDeadline, userTimeout);
    }

    /** Netty's connect timeout is an int of milliseconds, and 0 would mean "none". */
    int connectTimeoutMillis() {
        return (int) Math.max(1, connectTimeout.toMillis());
    }

    /** A size in bytes that fits an int: a whole number, optionally with a unit (64k, 4MiB). */
    static int bytes(ConfigValues values, String key, String value, int min, int max) {
        return (int) values.size(key, value, min, max);
    }
}
