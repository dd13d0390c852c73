package io.meshnode.core.internal.config;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;

/**
 * What a peer's next decisions depend on, kept across a mesh.core update and a node restart in
 * {@code data/mesh.state}: each peer's failure count, backoff, park and probe schedule and heartbeat arrival
 * history, and each banned or offending address with its ban's expiry and its offences within their window.
 * Times are kept as what remains (a delay, an age) next to the wall clock of the save, so a restart picks up
 * where the mesh left off less the time it was down.
 */
public record SavedState(long savedAt, Map<String, SavedPeer> peers, List<SavedBan> bans) {
    public static final String FILE = "mesh.state";
    public static final SavedState EMPTY = new SavedState(0, Map.of(), List.of());

    /**
     * @param endpoint the peer's {@code host:port}
     * @param id its node id, {@code null} if not known: a saved state is applied only to the same node
     * @param parked {@code true} if fast retries were given up
     * @param nextAttemptIn milliseconds until the planned dial (a retry, a probe) when saved, -1 if none was planned
     */
    public record SavedPeer(String endpoint, String id, int failures, long previousDelayMillis, int quickCloses,
        boolean parked, long nextAttemptIn, long[] arrivals) {}

    /**
     * @param remainingMillis how long the ban had to run when saved, 0 if the address was not banned
     * @param offenceAges how long ago each offence within the window was, when saved
     */
    public record SavedBan(String address, String claimedId, boolean proven, String reason, long remainingMillis,
        long bannedAtWall, int offencesAtBan, long[] offenceAges) {}

    public byte[] encode() {
        Properties p = new Properties();
        p.setProperty("savedAt", Long.toString(savedAt));
        for (SavedPeer s : peers.values()) {
            String k = "peer." + s.endpoint() + ".";
            if (s.id() != null) {
                p.setProperty(k + "id", s.id());
            }
            p.setProperty(k + "failures", Integer.toString(s.failures()));
            p.setProperty(k + "previousDelay", Long.toString(s.previousDelayMillis()));
            p.setProperty(k + "quickCloses", Integer.toString(s.quickCloses()));
            p.setProperty(k + "parked", Boolean.toString(s.parked()));
            p.setProperty(k + "nextAttemptIn", Long.toString(s.nextAttemptIn()));
            p.setProperty(k + "arrivals", join(s.arrivals()));
        }
        for (SavedBan b : bans) {
            String k = "ban." + b.address() + ".";
            if (b.claimedId() != null) {
                p.setProperty(k + "claimedId", b.claimedId());
                p.setProperty(k + "proven", Boolean.toString(b.proven()));
            }
            p.setProperty(k + "reason", b.reason() == null ? "" : b.reason());
            p.setProperty(k + "remaining", Long.toString(b.remainingMillis()));
            p.setProperty(k + "bannedAt", Long.toString(b.bannedAtWall()));
            p.setProperty(k + "offencesAtBan", Integer.toString(b.offencesAtBan()));
            p.setProperty(k + "offenceAges", join(b.offenceAges()));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            p.store(out, "Meshnode: peers' failure counts, parks, probes and bans, kept across mesh.core updates and "
                + "restarts. Written by the node; delete it to start afresh.");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    /** @throws IllegalArgumentException if the text is not a saved state (the message says what is wrong) */
    public static SavedState decode(String text) {
        Properties p = new Properties();
        try {
            p.load(new StringReader(text));
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("not a properties file: " + e.getMessage());
        }
        long savedAt = number(p, "savedAt");
        Map<String, SavedPeer> peers = new LinkedHashMap<>();
        List<SavedBan> bans = new ArrayList<>();
        TreeSet<String> peerKeys = new TreeSet<>();
        TreeSet<String> banKeys = new TreeSet<>();
        for (String key : p.stringPropertyNames()) {
            if (key.startsWith("peer.") && key.endsWith(".failures")) {
                peerKeys.add(key.substring(5, key.length() - ".failures".length()));
            } else if (key.startsWith("ban.") && key.endsWith(".remaining")) {
                banKeys.add(key.substring(4, key.length() - ".remaining".length()));
            }
        }
        for (String e : peerKeys) {
            String k = "peer." + e + ".";
            peers.put(e, new SavedPeer(e, p.getProperty(k + "id"), (int) number(p, k + "failures"),
                number(p, k + "previousDelay"), (int) number(p, k + "quickCloses"),
                Boolean.parseBoolean(p.getProperty(k + "parked")), number(p, k + "nextAttemptIn"),
                numbers(p.getProperty(k + "arrivals", ""))));
        }
        for (String a : banKeys) {
            String k = "ban." + a + ".";
            bans.add(new SavedBan(a, p.getProperty(k + "claimedId"), Boolean.parseBoolean(p.getProperty(k + "proven")),
                p.getProperty(k + "reason", ""),
                number(p, k + "remaining"), number(p, k + "bannedAt"), (int) number(p, k + "offencesAtBan"),
                numbers(p.getProperty(k + "offenceAges", ""))));
        }
        return new SavedState(savedAt, peers, bans);
    }

    /**
     * @return the state in {@code data/mesh.state}, {@link #EMPTY} if there is none
     * @throws IOException if it cannot be read
     * @throws IllegalArgumentException if it is not a saved state
     */
    public static SavedState read(Path data) throws IOException {
        try {
            return decode(Files.readString(data.resolve(FILE), StandardCharsets.ISO_8859_1));
        } catch (NoSuchFileException e) {
            return EMPTY;
        }
    }

    /** Writes {@code data/mesh.state} atomically and flushed to the disk. */
    public void write(Path data) throws IOException {
        SafeFiles.write(data.resolve(FILE), encode(), true);
    }

    private static long number(Properties p, String key) {
        String v = p.getProperty(key);
        if (v == null) {
            throw new IllegalArgumentException("missing " + key);
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " = '" + v + "' is not a number");
        }
    }

    private static long[] numbers(String csv) {
        if (csv.isBlank()) {
            return new long[0];
        }
        try {
            return Arrays.stream(csv.split(",")).mapToLong(x -> Long.parseLong(x.trim())).toArray();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + csv + "' is not a list of numbers");
        }
    }

    private static String join(long[] values) {
        StringBuilder b = new StringBuilder();
        for (long v : values) {
            b.append(b.length() == 0 ? "" : ",").append(v);
        }
        return b.toString();
    }
}
