package io.meshnode.core.internal.security;

import java.util.Locale;

import io.meshnode.core.internal.config.MeshConfig;

import io.meshnode.api.config.ConfigValues;

/**
 * Who may link with this node ({@code admit} in {@code etc/meshnode.mesh.cfg}), how many links nodes that
 * are not configured may hold ({@code links.*}), and when a misbehaving source is banned ({@code ban.*}).
 */
public record Admission(Mode admit, BanList.Policy bans, Limits links) {

    /**
     * Caps on the links of nodes that are not in {@code peers} (nodes that dialed in, admitted under
     * {@code admit = any}): at most {@code perAddress} from one source address (an IPv6 /64), and none once
     * the links plus the configured peers still without one reach {@code max}, so configured peers always
     * find room.
     */
    public record Limits(int max, int perAddress) {
        static final Limits DEFAULTS = new Limits(256, 4);
    }

    public Admission(Mode admit, BanList.Policy bans) {
        this(admit, bans, Limits.DEFAULTS);
    }

    public enum Mode {
        /** Only nodes whose id is pinned in {@code peers} ({@code id@host:port}). */
        PEERS,
        /** Any node that proves the key its id derives from. */
        ANY;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** What a masternode deployment expects: only pinned peers. */
    public static final Admission DEFAULTS = new Admission(Mode.PEERS, BanList.Policy.DEFAULTS);

    public static Admission parse(MeshConfig c, ConfigValues v) {
        Mode mode;
        try {
            mode = Mode.valueOf(c.admit().trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw v.invalid("admit", c.admit(), "peers (only ids pinned in peers) or any (any node that proves its key)");
        }
        int after = v.integer("ban.after", c.ban_after(), 1, 1_000_000);
        int max = v.integer("links.max", c.links_max(), 1, 1_000_000);
        int perAddress = v.integer("links.per.address", c.links_per_address(), 1, max);
        return new Admission(mode, new BanList.Policy(after, v.positiveDuration("ban.window", c.ban_window()),
            v.duration("ban.time", c.ban_time())), new Limits(max, perAddress));
    }
}
