package io.meshnode.core.internal.security;

import io.meshnode.core.internal.config.MeshConfig;


import java.util.Locale;

import io.meshnode.api.config.ConfigValues;

/**
 * Who may link with this node ({@code admit} in {@code etc/meshnode.mesh.cfg}) and when a misbehaving
 * source is banned ({@code ban.*}).
 */
public record Admission(Mode admit, BanList.Policy bans) {

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
        return new Admission(mode, new BanList.Policy(after, v.positiveDuration("ban.window", c.ban_window()),
            v.duration("ban.time", c.ban_time())));
    }
}
