package io.meshnode.shell.ssh.internal;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

import io.meshnode.api.config.ConfigException;
import io.meshnode.api.config.ConfigValues;

/** A validated {@code etc/meshnode.ssh.cfg}, with the host derived from the mesh's {@code listen} when not set. */
final class Settings {
    /** The console's host when neither {@code host} nor a loopback {@code listen} says otherwise. */
    static final String DEFAULT_HOST = "127.0.0.1";

    final boolean enabled;
    final String host;
    /** Where {@link #host} came from, for the log: {@code host}, {@code listen} or {@code default}. */
    final String hostFrom;
    final InetAddress address;
    final int port;
    final Password password;
    final int authMax;
    final LoginGuard.Policy guard;

    private Settings(boolean enabled, String host, String hostFrom, InetAddress address, int port, Password password,
        int authMax, LoginGuard.Policy guard) {
        this.enabled = enabled;
        this.host = host;
        this.hostFrom = hostFrom;
        this.address = address;
        this.port = port;
        this.password = password;
        this.authMax = authMax;
        this.guard = guard;
    }

    /**
     * @param properties the merged configuration: {@code meshnode.ssh}, and {@code listen} of {@code meshnode.mesh}
     * @throws ConfigException naming the file and key of the first bad value
     */
    static Settings parse(SshConsole.Config config, ConfigValues v, Map<String, ?> properties) {
        boolean enabled = bool(v, "enabled", config.enabled());
        String host = config.host() == null ? "" : config.host().trim();
        String hostFrom = "host";
        if (host.isEmpty()) {
            host = meshHost(properties.get("listen"));
            hostFrom = host == null ? "default" : "listen";
            host = host == null ? DEFAULT_HOST : host;
        }
        InetAddress address;
        try {
            address = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw v.invalid("host", config.host(), "an IP address or a host name that resolves, e.g. 127.0.0.1");
        }
        // 0 picks a free port (tests); the console logs the one it got.
        int port = v.integer("port", String.valueOf(config.port()), 0, 65535);
        Password password = Password.parse(v, config.password());
        int authMax = v.integer("auth.max", config.auth_max(), 1, 100);
        Duration delay = v.duration("auth.delay", config.auth_delay());
        int banAfter = v.integer("auth.ban.after", config.auth_ban_after(), 1, 1_000_000);
        Duration window = v.positiveDuration("auth.ban.window", config.auth_ban_window());
        Duration banTime = v.duration("auth.ban.time", config.auth_ban_time());
        return new Settings(enabled, host, hostFrom, address, port, password, authMax,
            new LoginGuard.Policy(banAfter, window, banTime, delay));
    }

    /**
     * Nodes sharing a machine each listen on their own loopback address (127.0.0.2, 127.0.0.3, …); their consoles
     * follow, so that the same SSH port serves every node. A non-loopback listen address keeps the console on
     * 127.0.0.1: a node reachable from the network does not make its console reachable too.
     *
     * @return the mesh's listen host if it is a loopback address, else {@code null}
     */
    static String meshHost(Object listen) {
        if (listen == null || listen.toString().isBlank()) {
            return null;
        }
        try {
            InetSocketAddress endpoint = ConfigValues.parseEndpoint(listen.toString());
            return endpoint.getAddress().isLoopbackAddress() ? endpoint.getAddress().getHostAddress() : null;
        } catch (IllegalArgumentException e) {
            return null; // mesh.core reports its own bad value
        }
    }

    private static boolean bool(ConfigValues v, String key, String value) {
        String t = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        if (t.equals("true")) {
            return true;
        }
        if (t.equals("false")) {
            return false;
        }
        throw v.invalid(key, value, "true or false");
    }

    boolean passwordLogin() {
        return password != null;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Settings)) {
            return false;
        }
        Settings s = (Settings) o;
        return enabled == s.enabled && port == s.port && host.equals(s.host) && address.equals(s.address)
            && Objects.equals(password, s.password) && authMax == s.authMax && guard.equals(s.guard);
    }

    @Override
    public int hashCode() {
        return Objects.hash(enabled, host, port);
    }

    @Override
    public String toString() {
        String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return h + ":" + port;
    }
}
