package io.meshnode.core.internal.config;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;

import io.meshnode.api.config.ConfigValues;

/** Edits the {@code peers} value of {@code etc/meshnode.mesh.cfg}: entries are {@code host:port} or {@code id@host:port}. */
public final class PeerList {
    private PeerList() {}

    /** @return {@code value} with {@code entry} added, replacing an entry for the same endpoint */
    public static String with(String value, String entry, InetSocketAddress endpoint) {
        List<String> entries = without(entries(value), endpoint);
        entries.add(entry);
        return join(entries);
    }

    /** @return {@code value} without the entries for {@code endpoint} */
    public static String without(String value, InetSocketAddress endpoint) {
        return join(without(entries(value), endpoint));
    }

    private static List<String> without(List<String> entries, InetSocketAddress endpoint) {
        entries.removeIf(e -> endpoint.equals(endpointOf(e)));
        return entries;
    }

    private static InetSocketAddress endpointOf(String entry) {
        try {
            return ConfigValues.parseEndpoint(entry.substring(entry.indexOf('@') + 1));
        } catch (IllegalArgumentException e) {
            return null; // an invalid entry is left for the configuration check to report
        }
    }

    private static List<String> entries(String value) {
        List<String> out = new ArrayList<>();
        if (value != null) {
            for (String e : value.split("[,\\s]+")) {
                if (!e.isBlank()) {
                    out.add(e);
                }
            }
        }
        return out;
    }

    private static String join(List<String> entries) {
        StringJoiner j = new StringJoiner(", ");
        entries.forEach(j::add);
        return j.toString();
    }
}
