package io.meshnode.metrics.internal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Locale;

import io.meshnode.api.config.ConfigException;
import io.meshnode.api.config.ConfigValues;

/**
 * A validated {@code etc/meshnode.metrics.cfg}.
 *
 * @param host the configured address, {@code null} when {@code host} is not set (then {@link #endpoint} derives it
 *             from the mesh's listen host)
 */
record Settings(boolean enabled, InetAddress host, int port) {
    static final int DEFAULT_PORT = 7802;

    /**
     * @throws ConfigException naming the file and key of the first bad value
     */
    static Settings parse(MetricsComponent.Config config, ConfigValues v) {
        String e = config.enabled() == null ? "" : config.enabled().trim().toLowerCase(Locale.ROOT);
        if (!e.equals("true") && !e.equals("false")) {
            throw v.invalid("enabled", config.enabled(), "true or false");
        }
        String h = config.host() == null ? "" : config.host().trim();
        InetAddress host = null;
        if (!h.isEmpty()) {
            try {
                host = InetAddress.getByName(h);
            } catch (UnknownHostException x) {
                throw v.invalid("host", config.host(), "an IP address or a host name that resolves, e.g. 127.0.0.1");
            }
        }
        // 0 picks a free port (tests); the endpoint logs the one it got.
        int port = v.integer("port", config.port(), 0, 65535);
        return new Settings(e.equals("true"), host, port);
    }

    /**
     * @param meshListen the mesh's listen endpoint ({@code host:port}), {@code null} if no mesh is bound
     * @return where to listen: the configured host, else the mesh's listen host if it is a loopback address (so that
     *         nodes on 127.0.0.2, 127.0.0.3, ... each get their own endpoint), else 127.0.0.1; {@code null} while
     *         that depends on a mesh that is not bound yet
     */
    InetSocketAddress endpoint(String meshListen) {
        if (host != null) {
            return new InetSocketAddress(host, port);
        }
        if (meshListen == null) {
            return null;
        }
        return new InetSocketAddress(defaultHost(meshListen), port);
    }

    static InetAddress defaultHost(String meshListen) {
        try {
            InetAddress listen = ConfigValues.parseEndpoint(meshListen).getAddress();
            if (listen != null && listen.isLoopbackAddress()) {
                return listen;
            }
        } catch (IllegalArgumentException e) {
            // not an endpoint we can read: the fixed default
        }
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
