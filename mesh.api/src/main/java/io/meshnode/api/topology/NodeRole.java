package io.meshnode.api.topology;

import java.util.Locale;

/** The role a node announces in its handshake. */
public enum NodeRole {
    /** A masternode: keeps links to every other masternode and is never given up on for good. */
    MASTERNODE,
    /** A full node: links to the masternodes it is configured with. */
    FULLNODE;

    /** @return the lower-case name used in configuration files and on the console */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @param text {@code masternode} or {@code fullnode}, in any case
     * @return the role
     * @throws IllegalArgumentException for any other text
     */
    public static NodeRole parse(String text) {
        for (NodeRole r : values()) {
            if (r.name().equalsIgnoreCase(text == null ? "" : text.trim())) {
                return r;
            }
        }
        throw new IllegalArgumentException("expected masternode or fullnode");
    }
}
