package io.meshnode.shell.ssh.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.felix.gogo.jline.Shell;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.CommandSessionListener;
import org.jline.builtins.Completers.CompletionData;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import io.meshnode.api.mesh.Mesh;

/**
 * Tab completion of peers and states in every interactive Gogo JLine session, the local console's and each
 * SSH session's. Each session keeps its own completion table ({@code complete -c ...} fills it from the
 * profile); this listener adds the mesh entries to it before the session runs its first command line.
 */
@Component(immediate = true, service = CommandSessionListener.class)
public class MeshCompletions implements CommandSessionListener {
    /** The session variable the completion scripts call: {@code $.meshComplete peers}. */
    static final String HELPER = ".meshComplete";
    static final List<String> PEER_COMMANDS = List.of("mesh:peer", "mesh:reconnect", "mesh:disconnect", "mesh:ping");

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    private volatile Mesh mesh;

    private final PeerCandidates candidates = new PeerCandidates(() -> mesh);

    public MeshCompletions() {
        // DS
    }

    MeshCompletions(Mesh mesh) {
        this.mesh = mesh;
    }

    @Override
    public void beforeExecute(CommandSession session, CharSequence command) {
        Object table = session.get(Shell.VAR_COMPLETIONS);
        if (table instanceof Map && session.get(HELPER) == null) {
            session.put(HELPER, candidates);
            @SuppressWarnings("unchecked")
            Map<String, List<CompletionData>> completions = (Map<String, List<CompletionData>>) table;
            register(completions);
        }
    }

    static void register(Map<String, List<CompletionData>> completions) {
        String peers = "$" + HELPER + " peers";
        for (String command : PEER_COMMANDS) {
            add(completions, command, new CompletionData(null, null, peers, null));
        }
        add(completions, "mesh:reconnect",
            new CompletionData(List.of("--all"), "close, reset the backoff and dial every peer", null, null));
        add(completions, "mesh:peers", new CompletionData(List.of("-s", "--state"), "only the peers in this state",
            "$" + HELPER + " states $" + Shell.VAR_COMMAND_LINE, null));
    }

    private static void add(Map<String, List<CompletionData>> completions, String command, CompletionData data) {
        completions.computeIfAbsent(command, c -> new ArrayList<>()).add(data);
    }

    @Override
    public void afterExecute(CommandSession session, CharSequence command, Exception exception) {
        // nothing
    }

    @Override
    public void afterExecute(CommandSession session, CharSequence command, Object result) {
        // nothing
    }
}
