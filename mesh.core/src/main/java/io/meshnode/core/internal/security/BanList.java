package io.meshnode.core.internal.security;

import io.meshnode.core.internal.engine.Scheduler;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.meshnode.api.config.ConfigValues;
import io.meshnode.api.mesh.BanDTO;
import io.meshnode.core.internal.config.SavedState;

/**
 * Offences counted per source address and the bans they lead to: {@code after} offences within
 * {@code window} ban the address for {@code time}. An IPv6 source counts by its /64 (one host is usually
 * given a whole /64, so single addresses would let it evade every ban). Thread-safe: the transport asks
 * {@link #banned} on its I/O threads for every accepted connection, the mesh thread records offences.
 * <p>
 * A ban remembers the node id its source used: <em>proven</em> when its TLS key derives to that id, else
 * only <em>claimed</em>. An operator lifting a ban by id matches proven ids only, so that an attacker who
 * claims a legitimate node's id cannot get its ban lifted by {@code mesh:unban <that id>}.
 */
public final class BanList {

    /** The ban policy from {@code etc/meshnode.mesh.cfg}. */
    public record Policy(int after, Duration window, Duration time) {
        static final Policy DEFAULTS = new Policy(5, Duration.ofMinutes(1), Duration.ofMinutes(10));
    }

    private static final class Record {
        final Deque<Long> offences = new ArrayDeque<>();
        String claimedId;
        boolean proven;
        String reason;
        boolean banned;
        long bannedUntil; // monotonic
        long bannedAtWall;
        int offencesAtBan;
    }

    private final Scheduler clock;
    private final Map<InetAddress, Record> records = new HashMap<>();
    private Policy policy = Policy.DEFAULTS;
    private long offencesCounted;
    private long bansImposed;

    public BanList(Scheduler clock) {
        this.clock = clock;
    }

    public synchronized void policy(Policy next) {
        policy = next;
    }

    /** @return {@code true} while the address is banned */
    public synchronized boolean banned(InetAddress address) {
        Record r = records.get(source(address));
        return r != null && r.banned && r.bannedUntil - clock.now() > 0;
    }

    /**
     * The key bans and offences are counted under: the address itself for IPv4, its /64 for IPv6.
     */
    public static InetAddress source(InetAddress address) {
        if (address instanceof Inet6Address && !address.isLoopbackAddress()) {
            byte[] b = address.getAddress();
            java.util.Arrays.fill(b, 8, 16, (byte) 0);
            try {
                return InetAddress.getByAddress(b);
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }
        return address;
    }

    /**
     * Counts one offence.
     *
     * @param id the node id the source used, {@code null} if none
     * @param proven whether its TLS key derives to {@code id}; otherwise the id is only claimed
     * @return the new ban if this offence imposed one, otherwise {@code null}
     */
    public synchronized BanDTO offence(InetAddress address, String id, boolean proven, String reason) {
        offencesCounted++;
        long now = clock.now();
        expire(now);
        Record r = records.computeIfAbsent(source(address), a -> new Record());
        if (id != null && (proven || !r.proven)) {
            // A proven id is not overwritten by a later claim.
            r.claimedId = id;
            r.proven = proven;
        }
        r.reason = reason;
        if (r.banned) {
            return null; // already banned: an offence during the ban does not extend it
        }
        r.offences.addLast(now);
        while (!r.offences.isEmpty() && now - r.offences.peekFirst() > policy.window().toMillis()) {
            r.offences.removeFirst();
        }
        if (r.offences.size() < policy.after()) {
            return null;
        }
        r.offencesAtBan = r.offences.size();
        r.offences.clear();
        r.bannedAtWall = clock.wallClock();
        r.banned = true;
        r.bannedUntil = now + policy.time().toMillis();
        bansImposed++;
        return dto(address, r, now);
    }

    /** @return offences counted since this list was created, during bans too */
    public synchronized long offencesCounted() {
        return offencesCounted;
    }

    /** @return bans imposed since this list was created */
    public synchronized long bansImposed() {
        return bansImposed;
    }

    /** @return the bans in force, soonest expiry first */
    public synchronized List<BanDTO> bans() {
        long now = clock.now();
        expire(now);
        List<BanDTO> out = new ArrayList<>();
        records.forEach((a, r) -> {
            if (r.banned) {
                out.add(dto(a, r, now));
            }
        });
        out.sort(Comparator.comparingLong((BanDTO b) -> b.until).thenComparing(b -> b.address));
        return out;
    }

    /**
     * Lifts matching bans and forgets their offences.
     *
     * @param ref an address (a port is ignored; an IPv6 address names its /64), a node id or a 4+ character
     *            prefix of one (proven ids only), or {@code all}
     */
    public synchronized List<BanDTO> unban(String ref) {
        String r = ref == null ? "" : ref.trim().toLowerCase(Locale.ROOT);
        if (r.isEmpty()) {
            throw new IllegalArgumentException("name a ban by address, node id (prefix of 4+ characters) or 'all'");
        }
        InetAddress literal = address(r);
        InetAddress address = literal == null ? null : source(literal);
        if (address == null && !r.equals("all") && !r.matches("[0-9a-f]{4,40}")) {
            throw new IllegalArgumentException("'" + ref + "' is neither an address nor a node id (prefix)"
                + " — give e.g. 10.0.0.5, 10.0.0.5:7800, a node id or 'all'");
        }
        long now = clock.now();
        expire(now);
        List<BanDTO> lifted = new ArrayList<>();
        for (Iterator<Map.Entry<InetAddress, Record>> it = records.entrySet().iterator(); it.hasNext();) {
            Map.Entry<InetAddress, Record> e = it.next();
            Record rec = e.getValue();
            boolean match = r.equals("all") || e.getKey().equals(address)
                || address == null && rec.proven && rec.claimedId != null && rec.claimedId.startsWith(r);
            if (match) {
                if (rec.banned) {
                    lifted.add(dto(e.getKey(), rec, now));
                }
                it.remove();
            }
        }
        return lifted;
    }

    /** @return the literal address in {@code ref} ({@code a.b.c.d}, {@code a.b.c.d:port}, {@code ::1}, {@code [v6]:port}), else {@code null} */
    private static InetAddress address(String ref) {
        if (ref.matches("[0-9a-f]{4,40}")) {
            return null; // a node id (prefix)
        }
        String host = ref;
        if (ref.startsWith("[")) {
            int close = ref.indexOf(']');
            host = close < 0 ? "" : ref.substring(1, close);
        } else if (ref.matches("[0-9.]+:\\d+")) {
            host = ref.substring(0, ref.indexOf(':'));
        }
        // Literals only: getByName never resolves a name for these, so the console never waits for DNS.
        if (!host.matches("\\d{1,3}(\\.\\d{1,3}){3}") && !(host.indexOf(':') >= 0 && host.matches("[0-9a-f:.]+"))) {
            return null;
        }
        try {
            return InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private void expire(long now) {
        records.values().removeIf(r -> {
            if (r.banned && r.bannedUntil - now <= 0) {
                r.banned = false;
            }
            while (!r.offences.isEmpty() && now - r.offences.peekFirst() > policy.window().toMillis()) {
                r.offences.removeFirst();
            }
            return !r.banned && r.offences.isEmpty();
        });
    }

    private BanDTO dto(InetAddress address, Record r, long now) {
        BanDTO d = new BanDTO();
        d.address = ConfigValues.format(new InetSocketAddress(address, 0)).replaceFirst(":0$", "")
            .replaceFirst("^\\[(.*)]$", "$1");
        d.claimedId = r.claimedId;
        d.idProven = r.proven;
        d.offences = r.offencesAtBan;
        d.reason = r.reason;
        d.since = r.bannedAtWall;
        d.until = clock.wallClock() + Math.max(0, r.bannedUntil - now);
        return d;
    }

    /** @return every address with a ban or offences in their window, as saved in data/mesh.state */
    public synchronized List<SavedState.SavedBan> save() {
        long now = clock.now();
        expire(now);
        List<SavedState.SavedBan> out = new ArrayList<>();
        records.forEach((a, r) -> out.add(new SavedState.SavedBan(a.getHostAddress(), r.claimedId, r.proven, r.reason,
            r.banned ? Math.max(0, r.bannedUntil - now) : 0, r.bannedAtWall, r.offencesAtBan,
            r.offences.stream().mapToLong(t -> now - t).toArray())));
        return out;
    }

    /**
     * Takes bans and offences back from {@code data/mesh.state}, less {@code elapsed} (the time since they were
     * saved): a ban that has run out meanwhile is gone, offences older than the window too.
     */
    public synchronized void restore(List<SavedState.SavedBan> saved, long elapsed) {
        long now = clock.now();
        for (SavedState.SavedBan b : saved) {
            InetAddress a;
            try {
                a = InetAddress.getByName(b.address());
            } catch (UnknownHostException e) {
                continue; // a literal address always parses; anything else is not ours
            }
            Record r = new Record();
            r.claimedId = b.claimedId();
            r.proven = b.proven();
            r.reason = b.reason();
            r.offencesAtBan = b.offencesAtBan();
            r.bannedAtWall = b.bannedAtWall();
            if (b.remainingMillis() - elapsed > 0) {
                r.banned = true;
                r.bannedUntil = now + b.remainingMillis() - elapsed;
            }
            for (long age : b.offenceAges()) {
                r.offences.addLast(now - age - elapsed);
            }
            records.put(a, r);
        }
        expire(now);
    }
}
