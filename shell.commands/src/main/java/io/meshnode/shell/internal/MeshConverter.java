package io.meshnode.shell.internal;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

import org.apache.felix.service.command.Converter;
import org.osgi.service.component.annotations.Component;

import io.meshnode.api.mesh.NodeDTO;
import io.meshnode.api.mesh.PeerDTO;
import io.meshnode.api.mesh.PeerState;
import io.meshnode.api.transport.CloseReason;
import io.meshnode.api.mesh.ProviderDTO;
import io.meshnode.api.mesh.TransitionDTO;
import io.meshnode.api.transport.Direction;

/**
 * Formats the mesh values for the Gogo console: {@link #INSPECT} is the detail view, {@link #LINE} one
 * table row, {@link #PART} a short {@code id@address}.
 * <p>
 * Gogo formats a plain {@code List} itself, one {@code LINE} per element: no header, and each row sized on
 * its own. So {@code peers} and {@code reconnect} return {@link PeerTable} and {@link Reconnects}, which are
 * {@code List<PeerDTO>}s for scripts and which this converter renders whole, with a header and columns sized
 * to the widest cell. A lone {@code PeerDTO} row (say, in a list a script built) uses fixed minimum widths so
 * that rows of the usual width still line up.
 * <p>
 * Gogo offers every value to every converter, whatever {@code osgi.converter.classes} says: anything else
 * gets {@code null}, which lets Gogo format it.
 */
@Component(service = Converter.class, property = {
    Converter.CONVERTER_CLASSES + "=io.meshnode.api.mesh.PeerDTO",
    Converter.CONVERTER_CLASSES + "=io.meshnode.api.mesh.NodeDTO",
    Converter.CONVERTER_CLASSES + "=io.meshnode.shell.internal.NodeStatus",
    Converter.CONVERTER_CLASSES + "=io.meshnode.shell.internal.PeerTable",
    Converter.CONVERTER_CLASSES + "=io.meshnode.shell.internal.Reconnects",
    Converter.CONVERTER_CLASSES + "=io.meshnode.shell.internal.PeerChange",
    Converter.CONVERTER_CLASSES + "=io.meshnode.shell.internal.PingResult",
    Converter.CONVERTER_CLASSES + "=io.meshnode.api.mesh.PeerState",
    Converter.CONVERTER_CLASSES + "=io.meshnode.api.transport.CloseReason"})
public class MeshConverter implements Converter {
    private static final String[] HEADER = {"ID", "ADDRESS", "ROLE", "STATE", "DIR", "UPTIME", "RTT", "FAIL", "NEXT",
        "LAST-CLOSE"};
    private static final int[] ROW_WIDTHS = {12, 21, 10, 11, 3, 7, 9, 4, 7, 0};
    private static final boolean[] RIGHT = {false, false, false, false, false, true, true, true, false, false};
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS");
    private static final String DASH = "-";

    private final Clock clock;

    public MeshConverter() {
        this(Clock.systemDefaultZone());
    }

    MeshConverter(Clock clock) {
        this.clock = clock;
    }

    @Override
    public Object convert(Class<?> desiredType, Object in) {
        return null;
    }

    @Override
    public CharSequence format(Object target, int level, Converter escape) {
        long now = clock.millis();
        if (target instanceof PeerDTO p) {
            return level == INSPECT ? detail(p, now)
                : level == LINE ? table(Collections.singletonList(row(p, now)), ROW_WIDTHS, RIGHT) : part(p);
        }
        if (target instanceof NodeDTO n) {
            return level == INSPECT ? headline(n) + "\npeers " + n.peers + " (" + n.connected + " connected)"
                : level == LINE ? headline(n) : shortId(n.id);
        }
        if (target instanceof NodeStatus s) {
            return level == INSPECT ? status(s, now)
                : level == LINE ? headline(s.node()) + ", " + counts(s) : shortId(s.node().id);
        }
        if (target instanceof PeerTable t) {
            return level == INSPECT ? peerTable(t, now) : parts(t);
        }
        if (target instanceof Reconnects r) {
            return level == INSPECT ? reconnects(r) : parts(r);
        }
        if (target instanceof PeerChange c) {
            return level == PART && c.peer() != null ? part(c.peer()) : c.what();
        }
        if (target instanceof PeerState || target instanceof CloseReason) {
            // Gogo would inspect an enum as a bean (its declaring class); a script wants the name: ($p get 0) state
            return ((Enum<?>) target).name();
        }
        if (target instanceof PingResult r) {
            String rtt = String.format(Locale.ROOT, "%.3f ms", r.millis());
            return level == PART ? rtt : "pong from " + part(r.peer()) + ": rtt " + rtt;
        }
        return null;
    }

    private String status(NodeStatus s, long now) {
        String text = headline(s.node()) + security(s.node()) + "\n" + counts(s) + shape(s.node()) + providers(s.node());
        return s.peers().isEmpty() ? text : text + "\n\n" + peerTable(s.peers(), now);
    }

    private static String headline(NodeDTO n) {
        String head = "node " + dash(n.id) + " " + dash(n.role) + " ";
        if (n.listening) {
            return head + "listening on " + dash(n.listen);
        }
        String missing = n.missing == null || n.missing.isEmpty() ? "" : " (missing: " + String.join(", ", n.missing) + ")";
        return head + "NOT listening on " + dash(n.listen) + missing;
    }

    /** The key, TLS and admission line, and any security warning, each on its own line. */
    private static String security(NodeDTO n) {
        StringBuilder sb = new StringBuilder();
        if (n.keyFingerprint != null || n.admit != null) {
            sb.append("\nkey ").append(dash(n.keyFingerprint)).append(", ").append(n.tls ? "TLS" : "plain TCP")
                .append(", admit ").append(dash(n.admit));
        }
        if (n.warnings != null) {
            n.warnings.forEach(w -> sb.append("\nWARNING: ").append(w));
        }
        return sb.toString();
    }

    /** The topology and how much of the shape it wants is established. */
    private static String shape(NodeDTO n) {
        if (n.topology == null) {
            return "";
        }
        return "\ntopology " + n.topology + ": " + n.connected + " of " + n.wanted + " wanted links established";
    }

    /** One aligned row per swappable role: what is bound now, from which bundle, at which ranking. */
    private static String providers(NodeDTO n) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"ROLE", "PROVIDER", "BUNDLE", "RANKING"});
        List<ProviderDTO> bound = n.providers == null ? List.of() : n.providers;
        for (ProviderDTO p : bound) {
            rows.add(new String[] {dash(p.role), dash(p.component), dash(p.bundle) + " " + dash(p.version),
                Integer.toString(p.ranking)});
        }
        if (n.missing != null) {
            for (String role : n.missing) {
                rows.add(new String[] {role, "(none bound)", DASH, DASH});
            }
        }
        return rows.size() == 1 ? "" : "\n\n" + table(rows, new int[4], new boolean[4]);
    }

    private static String counts(NodeStatus s) {
        StringJoiner j = new StringJoiner(", ", ": ", "").setEmptyValue("");
        for (Map.Entry<PeerState, Integer> e : s.counts().entrySet()) {
            if (e.getValue() > 0) {
                j.add(e.getValue() + " " + e.getKey());
            }
        }
        return "peers " + s.peers().size() + j;
    }

    private String peerTable(List<PeerDTO> peers, long now) {
        if (peers.isEmpty()) {
            return "no peers";
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(HEADER);
        for (PeerDTO p : peers) {
            rows.add(row(p, now));
        }
        return table(rows, new int[HEADER.length], RIGHT);
    }

    private static String reconnects(Reconnects r) {
        if (r.isEmpty()) {
            return "no peers to reconnect";
        }
        StringJoiner lines = new StringJoiner("\n");
        for (int i = 0; i < r.size(); i++) {
            PeerDTO was = r.before(i);
            PeerDTO now = r.get(i);
            lines.add("reconnecting " + shortId(now.id != null ? now.id : was.id) + " " + dash(now.address) + " (was "
                + dash(was.state) + ", " + was.consecutiveFailures + (was.consecutiveFailures == 1 ? " failure): " : " failures): ")
                + outcome(was, now) + (was.consecutiveFailures > 0 ? ", failure count reset" : ""));
        }
        return lines.toString();
    }

    /** What the reconnect did, from the peer before and right after it. */
    private static String outcome(PeerDTO was, PeerDTO now) {
        if (was.state == PeerState.CONNECTED) {
            return "link closed, redialing";
        }
        if (was.state == PeerState.CONNECTING || was.state == PeerState.HANDSHAKING) {
            return "a dial was already under way";
        }
        if (now.state == PeerState.CONNECTING || now.state == PeerState.HANDSHAKING || now.state == PeerState.CONNECTED) {
            return "dialing now";
        }
        if (now.state == PeerState.BACKOFF || now.state == PeerState.PARKED) {
            return "the dial failed at once (" + dash(now.lastCloseReason) + "), now " + now.state;
        }
        return "not dialed, " + now.state;
    }

    private String[] row(PeerDTO p, long now) {
        String state = !p.linked && p.state == PeerState.IDLE ? "UNLINKED" : dash(p.state);
        return new String[] {shortId(p.id), dash(p.address), dash(p.role), state, direction(p),
            p.connectedSince > 0 ? compact(now - p.connectedSince) : DASH, rtt(p.rttLastMicros),
            Integer.toString(p.consecutiveFailures), p.nextAttemptAt > 0 ? relative(p.nextAttemptAt, now) : DASH,
            p.lastCloseReason == null ? DASH
                : p.lastCloseReason + (p.lastCloseAt > 0 ? " " + relative(p.lastCloseAt, now) : "")};
    }

    private String detail(PeerDTO p, long now) {
        StringBuilder sb = new StringBuilder();
        field(sb, "id", dash(p.id));
        field(sb, "address", dash(p.address) + " (listen)");
        field(sb, "connection", p.remoteAddress == null ? DASH
            : dash(p.localAddress) + (p.direction == Direction.INBOUND ? " <- " : " -> ") + p.remoteAddress);
        field(sb, "role", dash(p.role));
        field(sb, "state", dash(p.state) + (p.linked ? "" : " (the topology does not link this pair: not down, not dialed)"));
        field(sb, "direction", dash(p.direction));
        field(sb, "pinned", yesNo(p.pinned));
        field(sb, "authentication", dash(p.authentication));
        field(sb, "key fingerprint", dash(p.keyFingerprint));
        field(sb, "configured", yesNo(p.configured));
        field(sb, "dialer", p.dialer ? "this node dials the pair" : "the peer dials the pair");
        field(sb, "connected since", time(p.connectedSince, now));
        field(sb, "rtt last", rtt(p.rttLastMicros));
        field(sb, "rtt min", rtt(p.rttMinMicros));
        field(sb, "rtt avg", rtt(p.rttAvgMicros));
        field(sb, "missed pings", Integer.toString(p.missedPings));
        field(sb, "failures", Integer.toString(p.consecutiveFailures));
        field(sb, "next attempt", time(p.nextAttemptAt, now));
        field(sb, "last close", dash(p.lastCloseReason));
        field(sb, "last close detail", p.lastCloseDetail == null || p.lastCloseDetail.isEmpty() ? DASH : p.lastCloseDetail);
        field(sb, "last close at", time(p.lastCloseAt, now));
        field(sb, "bytes in/out", p.bytesIn + " / " + p.bytesOut);
        field(sb, "messages in/out", p.messagesIn + " / " + p.messagesOut);
        if (p.history != null && !p.history.isEmpty()) {
            sb.append("history\n");
            List<String[]> rows = new ArrayList<>();
            for (TransitionDTO t : p.history) {
                rows.add(new String[] {"  " + time(t.at, now), (t.from == null ? "(added)" : t.from.name()) + " -> " + t.to,
                    dash(t.reason)});
            }
            sb.append(table(rows, new int[3], new boolean[3])).append('\n');
        }
        sb.setLength(sb.length() - 1);
        return sb.toString();
    }

    private static void field(StringBuilder sb, String label, String value) {
        sb.append(String.format(Locale.ROOT, "%-19s%s\n", label, value));
    }

    private static String part(PeerDTO p) {
        return p.id == null ? dash(p.address) : shortId(p.id) + "@" + dash(p.address);
    }

    private static String parts(List<PeerDTO> peers) {
        StringJoiner j = new StringJoiner(", ", "[", "]");
        peers.forEach(p -> j.add(part(p)));
        return j.toString();
    }

    /** Pads every column to its widest cell (at least {@code min}); the last column is never padded. */
    static String table(List<String[]> rows, int[] min, boolean[] right) {
        int[] width = min.clone();
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        StringJoiner lines = new StringJoiner("\n");
        for (String[] row : rows) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                boolean last = i == row.length - 1;
                String pad = " ".repeat(last ? 0 : width[i] - row[i].length());
                sb.append(right[i] ? pad + row[i] : row[i] + pad).append(last ? "" : "  ");
            }
            lines.add(sb.toString().stripTrailing());
        }
        return lines.toString();
    }

    static String shortId(String id) {
        return id == null ? DASH : id.length() <= 12 ? id : id.substring(0, 12);
    }

    static String rtt(long micros) {
        return micros < 0 ? DASH : String.format(Locale.ROOT, "%.2f ms", micros / 1000.0);
    }

    private String time(long at, long now) {
        if (at <= 0) {
            return DASH;
        }
        return TIME.format(LocalDateTime.ofInstant(Instant.ofEpochMilli(at), clock.getZone())) + " ("
            + relative(at, now) + ")";
    }

    static String relative(long at, long now) {
        long d = at - now;
        return d >= 0 ? "in " + compact(d) : compact(-d) + " ago";
    }

    /** {@code 250ms}, {@code 12s}, {@code 4m05s}, {@code 3h07m}, {@code 2d04h}: two units at most. */
    static String compact(long ms) {
        if (ms < 1_000) {
            return Math.max(ms, 0) + "ms";
        }
        long s = ms / 1_000;
        if (s < 60) {
            return s + "s";
        }
        if (s < 3_600) {
            return s / 60 + "m" + two(s % 60) + "s";
        }
        if (s < 86_400) {
            return s / 3_600 + "h" + two(s / 60 % 60) + "m";
        }
        return s / 86_400 + "d" + two(s / 3_600 % 24) + "h";
    }

    private static String two(long n) {
        return n < 10 ? "0" + n : Long.toString(n);
    }

    private static String direction(PeerDTO p) {
        return p.direction == null ? DASH : p.direction == Direction.OUTBOUND ? "out" : "in";
    }

    private static String yesNo(boolean b) {
        return b ? "yes" : "no";
    }

    private static String dash(Object o) {
        return o == null ? DASH : o.toString();
    }
}
