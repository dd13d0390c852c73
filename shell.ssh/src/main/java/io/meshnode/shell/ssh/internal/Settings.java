package io.meshnode.shell.ssh.internal;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Objects;

import io.meshnode.api.config.ConfigException;
import io.meshnode.api.config.ConfigValues;

/** A validated {@code etc/meshnode.ssh.cfg}. */
final class Settings {
    final boolean enabled;
    final String host;
    final InetAddress address;
    final int port;
    final String password;

    private Settings(boolean enabled, String host, InetAddress address, int port, String password) {
        this.enabled = enabled;
        this.host = host;
        this.address = address;
        this.port = port;
        this.password = password;
    }

    /**
     * @throws ConfigException naming the file and key of the first bad value
     */
    static Settings parse(SshConsole.Config config, ConfigValues v) {
        boolean enabled = bool(v, "enabled", config.enabled());
        String host = config.host() == null ? "" : config.host().trim();
        InetAddress address;
        try {
            if (host.isEmpty()) {
                throw new UnknownHostException(host);
            }
            address = InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw v.invalid("host", config.host(), "an IP address or a host name that resolves, e.g. 127.0.0.1");
        }
        // 0 picks a free port (tests); the console logs the one it got.
        int port = v.integer("port", String.valueOf(config.port()), 0, 65535);
        String password = config.password() == null ? "" : config.password();
        return new Settings(enabled, host, address, port, password);
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
        return !password.isEmpty();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Settings)) {
            return false;
        }
        Settings s = (Settings) o;
        return enabled == s.enabled && port == s.port && host.equals(s.host) && address.equals(s.address)
            && password.equals(s.password);
    }

    @Override
    public int hashCode() {
        return Objects.hash(enabled, host, port);
    }

    @Override
    public String toString() {
        return host + ":" + port;
    }
}
