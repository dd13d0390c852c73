package io.meshnode.shell.ssh.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import org.jline.reader.Candidate;
import org.jline.reader.ParsedLine;

import io.meshnode.api.mesh.Mesh;
import io.meshnode.api.mesh.PeerDTO;
import io.meshnode.api.mesh.PeerState;

/**
 * What Tab offers after a peer command: every peer's short id and its address, each described by the other
 * and its state. Public because completion scripts call it through Gogo ({@code $.meshComplete peers}).
 */
public final class PeerCandidates {
    static final int SHORT_ID = 12;

    private final Supplier<Mesh> mesh;

    PeerCandidates(Supplier<Mesh> mesh) {
        this.mesh = mesh;
    }

    /** @return short ids and addresses of the peers known now; none while the mesh is away */
    public List<Candidate> peers() {
        List<Candidate> out = new ArrayList<>();
        Mesh m = mesh.get();
        if (m == null) {
            return out;
        }
        for (PeerDTO p : m.peers()) {
            String state = p.state == null ? "" : p.state.name();
            String id = p.id == null ? null : p.id.substring(0, Math.min(SHORT_ID, p.id.length()));
            if (id != null) {
                out.add(new Candidate(id, id, "peers", join(p.address, state), null, null, true));
            }
            if (p.address != null) {
                out.add(new Candidate(p.address, p.address, "addresses", join(id, state), null, null, true));
            }
        }
        return out;
    }

    /**
     * @param line the line being completed
     * @return the peer states, when the word before the cursor is {@code --state} or {@code -s}
     */
    public List<Candidate> states(ParsedLine line) {
        List<Candidate> out = new ArrayList<>();
        int word = line == null ? -1 : line.wordIndex();
        String previous = word >= 1 ? line.words().get(word - 1) : "";
        if (previous.equals("--state") || previous.equals("-s")) {
            for (PeerState s : PeerState.values()) {
                out.add(new Candidate(s.name(), s.name(), "states", null, null, null, true));
            }
        }
        return out;
    }

    private static String join(String a, String b) {
        return a == null ? b : a + " " + b;
    }
}
