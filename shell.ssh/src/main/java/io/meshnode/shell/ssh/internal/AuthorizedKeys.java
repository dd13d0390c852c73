package io.meshnode.shell.ssh.internal;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

import org.apache.sshd.common.config.keys.AuthorizedKeyEntry;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.osgi.service.log.Logger;

/**
 * {@code etc/ssh/authorized_keys}, re-read whenever it changes, checked as OpenSSH's StrictModes checks it (neither
 * the file nor {@code etc/ssh} may be writable by group or others, or owned by another user), with the options
 * {@code from=}, {@code command=}, {@code restrict} and {@code no-pty} enforced; a key line with any other option
 * is refused with a log line rather than half-honoured.
 */
final class AuthorizedKeys {
    /** What a key may do once it is in. */
    record Grant(String command, boolean pty) {
        static final Grant FULL = new Grant(null, true);
    }

    /** Options that restrict what the console never offers (forwarding, ~/.ssh/rc): nothing to enforce. */
    private static final Set<String> MOOT = Set.of("no-port-forwarding", "no-agent-forwarding", "no-x11-forwarding",
        "no-user-rc");
    private static final Set<String> ENFORCED = Set.of("from", "command", "restrict", "no-pty", "pty");

    private record Entry(PublicKey key, int line, List<String> from, Grant grant) {}

    private final Path file;
    private final String displayName;
    private final Logger log;
    private final String user = System.getProperty("user.name");
    private Object stamp;
    private List<Entry> entries = List.of();
    private String problem;

    AuthorizedKeys(Path file, String displayName, Logger log) {
        this.file = file;
        this.displayName = displayName;
        this.log = log;
    }

    /**
     * @param key the key a client offers
     * @param from where the client connects from
     * @return what the key may do, or empty if it may not log in (unknown key, {@code from=} not matching, the file
     *         unsafe or missing)
     */
    synchronized Optional<Grant> authorize(PublicKey key, InetAddress from) {
        if (!reload()) {
            return Optional.empty();
        }
        for (Entry e : entries) {
            if (KeyUtils.compareKeys(e.key, key)) {
                if (e.from != null && !matches(e.from, from)) {
                    log.warn("SSH console: key {} ({} line {}) is not allowed from {} (from=\"{}\")",
                        KeyUtils.getFingerPrint(key), displayName, e.line, from.getHostAddress(), String.join(",", e.from));
                    continue;
                }
                return Optional.of(e.grant);
            }
        }
        return Optional.empty();
    }

    /** @return whether the keys may be used: the file and its folder are safe and were read */
    private boolean reload() {
        String unsafe = unsafe();
        if (unsafe != null) {
            if (!unsafe.equals(problem)) {
                problem = unsafe;
                log.error("SSH console: refusing every key: {}", unsafe);
            }
            entries = List.of();
            stamp = null;
            return false;
        }
        problem = null;
        Object now;
        try {
            now = List.of(Files.getLastModifiedTime(file), Files.size(file));
        } catch (IOException e) {
            entries = List.of(); // no file: no key gets in
            stamp = null;
            return false;
        }
        if (!now.equals(stamp)) {
            entries = read();
            stamp = now;
        }
        return true;
    }

    /** @return why the file must not be trusted (StrictModes), or {@code null} */
    String unsafe() {
        for (Path p : List.of(file.getParent(), file)) {
            PosixFileAttributes a;
            try {
                PosixFileAttributeView view = Files.getFileAttributeView(p, PosixFileAttributeView.class);
                if (view == null) {
                    return null; // not a POSIX file system: nothing to check
                }
                a = view.readAttributes();
            } catch (NoSuchFileException e) {
                return null; // a missing file lets nobody in
            } catch (IOException e) {
                return "cannot read the permissions of " + p + ": " + e;
            }
            Set<PosixFilePermission> perms = a.permissions();
            if (perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
                return p + " is writable by its group or by others (" + perms(perms) + "); run: chmod go-w " + p;
            }
            String owner = a.owner().getName();
            if (!owner.equals(user) && !owner.equals("root")) {
                return p + " is owned by " + owner + ", not by " + user + " (the node's user) or root";
            }
        }
        return null;
    }

    private static String perms(Set<PosixFilePermission> perms) {
        return java.nio.file.attribute.PosixFilePermissions.toString(perms);
    }

    private List<Entry> read() {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            log.error("SSH console: cannot read {}: {}", displayName, e.toString());
            return List.of();
        }
        List<Entry> read = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).trim();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int n = i + 1;
            try {
                AuthorizedKeyEntry entry = AuthorizedKeyEntry.parseAuthorizedKeyEntry(line);
                PublicKey key = entry.resolvePublicKey(null, PublicKeyEntryResolver.FAILING);
                Entry e = entry(key, n, options(entry.getLoginOptions()));
                if (e != null) {
                    read.add(e);
                }
            } catch (Exception e) {
                log.warn("SSH console: {} line {} is not a key the console can use, skipped: {}", displayName, n,
                    ClientText.of(String.valueOf(e.getMessage())));
            }
        }
        log.info("SSH console: {} read, {} key(s)", displayName, read.size());
        return read;
    }

    private static Map<String, String> options(Map<String, String> options) {
        Map<String, String> lower = new TreeMap<>();
        if (options != null) {
            options.forEach((k, v) -> {
                // SSHD reads "!name" as name=false
                if (!"false".equals(v)) {
                    lower.put(k.toLowerCase(Locale.ROOT), v);
                }
            });
        }
        return lower;
    }

    private Entry entry(PublicKey key, int line, Map<String, String> options) {
        for (String name : options.keySet()) {
            if (!ENFORCED.contains(name) && !MOOT.contains(name)) {
                log.warn("SSH console: {} line {}: option {} is not supported (only from=, command=, restrict, "
                    + "no-pty, pty and the no-*-forwarding ones); the key is refused", displayName, line,
                    ClientText.of(name));
                return null;
            }
        }
        List<String> from = null;
        if (options.containsKey("from")) {
            from = List.of(options.get("from").split(","));
            for (String pattern : from) {
                if (!valid(pattern.trim())) {
                    log.warn("SSH console: {} line {}: from=\"{}\" is not an address pattern (IP addresses with * "
                        + "and ?, a.b.c.d/n, ! to exclude; host names are not looked up); the key is refused",
                        displayName, line, ClientText.of(options.get("from")));
                    return null;
                }
            }
        }
        String command = options.get("command");
        boolean pty = !(options.containsKey("restrict") || options.containsKey("no-pty")) || options.containsKey("pty");
        return new Entry(key, line, from, new Grant(command == null || command.isBlank() ? null : command, pty));
    }

    private static final Pattern WILDCARD = Pattern.compile("!?[0-9a-fA-F:.*?]+");
    private static final Pattern CIDR = Pattern.compile("!?[0-9a-fA-F:.]+/\\d{1,3}");

    private static boolean valid(String pattern) {
        return WILDCARD.matcher(pattern).matches() || CIDR.matcher(pattern).matches();
    }

    /** OpenSSH's rule: no negated pattern may match, and at least one plain one must. */
    static boolean matches(List<String> patterns, InetAddress address) {
        boolean allowed = false;
        for (String raw : patterns) {
            String p = raw.trim();
            boolean negated = p.startsWith("!");
            if (negated) {
                p = p.substring(1);
            }
            if (matches(p, address)) {
                if (negated) {
                    return false;
                }
                allowed = true;
            }
        }
        return allowed;
    }

    private static boolean matches(String pattern, InetAddress address) {
        int slash = pattern.indexOf('/');
        if (slash >= 0) {
            try {
                InetAddress net = InetAddress.getByName(pattern.substring(0, slash));
                int bits = Integer.parseInt(pattern.substring(slash + 1));
                byte[] a = address.getAddress();
                byte[] n = net.getAddress();
                if (a.length != n.length || bits > a.length * 8) {
                    return false;
                }
                int shift = a.length * 8 - bits;
                return new BigInteger(1, a).shiftRight(shift).equals(new BigInteger(1, n).shiftRight(shift));
            } catch (UnknownHostException | NumberFormatException e) {
                return false;
            }
        }
        StringBuilder regex = new StringBuilder();
        for (char c : pattern.toLowerCase(Locale.ROOT).toCharArray()) {
            regex.append(c == '*' ? ".*" : c == '?' ? "." : Pattern.quote(String.valueOf(c)));
        }
        return address.getHostAddress().toLowerCase(Locale.ROOT).matches(regex.toString());
    }
}
