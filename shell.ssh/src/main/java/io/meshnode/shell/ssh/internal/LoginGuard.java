package io.meshnode.shell.ssh.internal;

import java.net.InetAddress;
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
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

import org.osgi.service.log.Logger;

import io.meshnode.api.config.ConfigValues;
import io.meshnode.api.mesh.BanDTO;
import io.meshnode.api.mesh.Bans;

/**
 * Failed logins per source address: how long to wait before answering the next one, and bans. It outlives the
 * SSH server (a configuration change rebinds the server, not the guard), so rebinding forgives nobody.
 */
final class LoginGuard implements Bans {
    /** What every ban's reason starts with, so that {@code mesh:bans} shows whose ban it is. */
    static final String SOURCE = "ssh console: ";
    /** The delay doubles per failure up to this many doublings. */
    private static final int MAX_DOUBLINGS = 4;
    private static final Pattern IP_LITERAL = Pattern.compile("[0-9.]+|[0-9a-fA-F:.%]*:[0-9a-fA-F:.%]*");

    /** {@code auth.delay}, {@code auth.ban.after}, {@code auth.ban.window}, {@code auth.ban.time}. */
    record Policy(int banAfter, Duration window, Duration banTime, Duration delay) {}

    private final LongSupplier millis;
    private final Logger log;
    private volatile Policy policy = new Policy(10, Duration.ofMinutes(10), Duration.ofMinutes(15), Duration.ofSeconds(1));
    private final Map<String, Deque<Long>> failures = new HashMap<>();
    private final Map<String, BanDTO> bans = new HashMap<>();

    LoginGuard(LongSupplier millis, Logger log) {
        this.millis = millis;
        this.log = log;
    }

    void policy(Policy p) {
        policy = p;
    }

    /** @return whether connections from this address are refused now */
    synchronized boolean refuses(InetAddress address) {
        expire(millis.getAsLong());
        return bans.containsKey(address.getHostAddress());
    }

    /**
     * Counts a failed login, bans the address once it reached {@code auth.ban.after} failures within
     * {@code auth.ban.window}.
     *
     * @param reason what failed, client text already escaped
     * @return how long to wait before telling the client: {@code auth.delay}, doubling with each failure from the
     *         same address within the window (1 s, 2 s, 4 s, 8 s, 16 s with the defaults)
     */
    synchronized Duration failed(InetAddress address, String reason) {
        Policy p = policy;
        long now = millis.getAsLong();
        String key = address.getHostAddress();
        Deque<Long> times = failures.computeIfAbsent(key, k -> new ArrayDeque<>());
        while (!times.isEmpty() && times.peekFirst() <= now - p.window().toMillis()) {
            times.removeFirst();
        }
        times.addLast(now);
        int count = times.size();
        if (count >= p.banAfter() && !p.banTime().isZero() && !bans.containsKey(key)) {
            BanDTO ban = new BanDTO();
            ban.address = key;
            ban.offences = count;
            ban.reason = SOURCE + reason;
            ban.since = now;
            ban.until = now + p.banTime().toMillis();
            bans.put(key, ban);
            log.warn("SSH console: banning {} for {} after {} failed logins within {} (last: {}); mesh:unban {} lifts it",
                key, ConfigValues.format(p.banTime()), count, ConfigValues.format(p.window()), reason, key);
        }
        return p.delay().multipliedBy(1L << Math.min(count - 1, MAX_DOUBLINGS));
    }

    /** A login succeeded: earlier failures from that address are forgiven. */
    synchronized void succeeded(InetAddress address) {
        failures.remove(address.getHostAddress());
    }

    @Override
    public synchronized List<BanDTO> bans() {
        expire(millis.getAsLong());
        List<BanDTO> list = new ArrayList<>();
        for (BanDTO b : bans.values()) {
            list.add(copy(b));
        }
        list.sort(Comparator.comparingLong((BanDTO b) -> b.until).thenComparing(b -> b.address));
        return list;
    }

    /**
     * Lifts bans by address or {@code all}; a reference that is no address (a node id, which only the mesh's bans
     * carry) matches nothing here.
     */
    @Override
    public synchronized List<BanDTO> unban(String ref) {
        expire(millis.getAsLong());
        String r = ref == null ? "" : ref.trim();
        List<BanDTO> lifted = new ArrayList<>();
        if (r.equalsIgnoreCase("all")) {
            bans.values().forEach(b -> lifted.add(copy(b)));
            bans.clear();
            failures.clear();
        } else {
            String address = address(r);
            if (address != null) {
                BanDTO b = bans.remove(address);
                if (b != null) {
                    lifted.add(copy(b));
                }
                failures.remove(address);
            }
        }
        lifted.sort(Comparator.comparing(b -> b.address));
        for (BanDTO b : lifted) {
            log.info("operator lifted the SSH console's ban of {}", b.address);
        }
        return lifted;
    }

    /** @return the numeric address in {@code 10.0.0.5}, {@code 10.0.0.5:7801}, {@code ::1} or {@code [::1]:7801} */
    static String address(String ref) {
        String host = ref;
        if (ref.startsWith("[")) {
            int close = ref.indexOf(']');
            host = close < 0 ? ref.substring(1) : ref.substring(1, close);
        } else if (ref.indexOf(':') >= 0 && ref.indexOf(':') == ref.lastIndexOf(':')) {
            host = ref.substring(0, ref.indexOf(':'));
        }
        if (host.isEmpty() || !IP_LITERAL.matcher(host).matches()) {
            return null; // never a DNS lookup for what an operator typed
        }
        try {
            return InetAddress.getByName(host.toLowerCase(Locale.ROOT)).getHostAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private void expire(long now) {
        for (Iterator<BanDTO> i = bans.values().iterator(); i.hasNext();) {
            BanDTO b = i.next();
            if (b.until <= now) {
                i.remove();
                failures.remove(b.address);
                log.info("SSH console: the ban of {} expired", b.address);
            }
        }
    }

    private static BanDTO copy(BanDTO b) {
        BanDTO c = new BanDTO();
        c.address = b.address;
        c.claimedId = b.claimedId;
        c.offences = b.offences;
        c.reason = b.reason;
        c.since = b.since;
        c.until = b.until;
        return c;
    }
}
