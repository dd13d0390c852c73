package io.meshnode.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;

import io.meshnode.api.mesh.Mesh;
import io.meshnode.api.mesh.PeerDTO;
import io.meshnode.api.mesh.PeerState;

/**
 * The {@code mesh:} commands through the real Gogo {@link CommandProcessor} of this framework, against a live
 * mesh: this framework's node and two node processes of the distribution, added with {@code mesh:connect}.
 */
class ConsoleTest {
    private static final Duration READY = Duration.ofSeconds(60);
    private static final Duration LINK = Duration.ofSeconds(20);

    @InjectBundleContext
    BundleContext context;
    @InjectService(timeout = 10_000)
    CommandProcessor processor;
    @InjectService(timeout = 10_000)
    Mesh mesh;
    @TempDir
    Path tmp;

    private final List<NodeRunner> nodes = new ArrayList<>();
    private final List<String> peers = new ArrayList<>();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private CommandSession session;

    @BeforeEach
    void startPeers() throws Exception {
        Path jar = Path.of(context.getProperty("meshnode.itest.jar"));
        assertTrue(Files.isRegularFile(jar), jar + " missing: build the node module first");
        for (String name : List.of("a", "b")) {
            int port = NodeRunner.freePort();
            nodes.add(new NodeRunner(jar, tmp.resolve(name), tmp.resolve(name + "-cwd"),
                // admit = any: this framework's node is added by address, its id is not pinned
                Map.of("meshnode.mesh.cfg", "listen = 127.0.0.1:" + port + "\nadmit = any\n")));
            peers.add("127.0.0.1:" + port);
        }
        for (NodeRunner n : nodes) {
            n.awaitReady(READY);
        }
        PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
        session = processor.createSession(new ByteArrayInputStream(new byte[0]), print, print);
    }

    @AfterEach
    void stopPeers() {
        for (String p : peers) {
            try {
                run("mesh:disconnect " + p);
            } catch (Exception e) {
                // already gone: the test removed it
            }
        }
        if (session != null) {
            session.close();
        }
        nodes.forEach(NodeRunner::close);
    }

    private String run(String line) throws Exception {
        Object result = session.execute(line);
        return result == null ? "" : session.format(result, Converter.INSPECT).toString();
    }

    private PeerDTO awaitConnected(String ref) {
        return Await.until(LINK, () -> mesh.peer(ref), p -> p.state == PeerState.CONNECTED, ref + " connected");
    }

    @Test
    void connectPeersReconnectPingAndDisconnectAsAnOperatorDoes() throws Exception {
        String a = peers.get(0);
        String b = peers.get(1);
        assertTrue(run("mesh:connect " + a).startsWith("added " + a + " to etc/meshnode.mesh.cfg"), out.toString());
        run("mesh:connect " + b);
        PeerDTO before = awaitConnected(a);
        awaitConnected(b);
        assertTrue(run("mesh:connect " + a).endsWith(a + " is configured already: nothing changed"));

        String table = run("mesh:peers");
        assertTrue(table.startsWith("ID "), table);
        for (String p : peers) {
            assertTrue(table.lines().anyMatch(l -> l.contains(p) && l.contains("CONNECTED")), table);
        }
        session.execute("p = mesh:peers --state connected");
        List<?> assigned = (List<?>) session.get("p");
        assertEquals(2, assigned.size(), "a script gets the DTOs: " + assigned);
        assertTrue(assigned.get(0) instanceof PeerDTO);

        out.reset();
        String help = run("help mesh:peers") + out;
        assertTrue(help.contains("--state"), "help shows the flags: " + help);

        String detail = run("mesh:peer " + a);
        assertTrue(detail.contains("state              CONNECTED"), detail);
        assertTrue(detail.contains("history"), detail);
        assertTrue(detail.contains("handshake completed"), detail);

        String ping = run("mesh:ping " + a);
        assertTrue(ping.matches("pong from \\w{12}@" + a.replace(".", "\\.") + ": rtt \\d+\\.\\d{3} ms"), ping);

        // reconnect: the link is replaced by a new one, and the failure count is zero
        String said = run("mesh:reconnect " + before.id.substring(0, 8));
        assertTrue(said.startsWith("reconnecting " + before.id.substring(0, 12) + " " + a + " (was CONNECTED"), said);
        PeerDTO after = Await.until(LINK, () -> mesh.peer(a),
            p -> p.state == PeerState.CONNECTED && p.connectedSince > before.connectedSince, "reconnected");
        assertNotEquals(before.localAddress + before.remoteAddress, after.localAddress + after.remoteAddress,
            "a new connection");
        assertEquals(0, after.consecutiveFailures);
        assertTrue(after.history.stream().anyMatch(t -> "operator reconnect".equals(t.reason)), after.history.toString());

        // status names the providers bound for every role
        String status = run("mesh:status");
        for (String provider : List.of("transport.netty", "health.heartbeat", "policy.retry", "mesh.core")) {
            assertTrue(status.contains(provider), status);
        }

        // disconnect removes b from the configuration file too; a second disconnect changes nothing
        Path cfg = Path.of(context.getProperty("felix.fileinstall.dir"), "meshnode.mesh.cfg");
        Await.until(LINK, () -> read(cfg), text -> text.contains(b), "written to " + cfg);
        assertTrue(run("mesh:disconnect " + b).startsWith("removed "));
        assertEquals(b + " is not a peer: nothing changed", run("mesh:disconnect " + b));
        Await.until(LINK, () -> read(cfg), text -> !text.contains(b) && text.contains(a), "removed from " + cfg);
        assertTrue(mesh.peers().stream().noneMatch(p -> p.address.equals(b)));
    }

    @Test
    void reconnectResetsTheFailuresOfAPeerInBackoffAndAllReconnectsEveryPeer() throws Exception {
        String a = peers.get(0);
        String dead = "127.0.0.1:" + NodeRunner.freePort(); // nobody listens there
        run("mesh:connect " + a);
        run("mesh:connect " + dead);
        try {
            awaitConnected(a);
            PeerDTO failing = Await.until(LINK, () -> mesh.peer(dead), p -> p.consecutiveFailures >= 2, dead + " failing");
            String said = run("mesh:reconnect " + dead);
            assertTrue(said.startsWith("reconnecting - " + dead + " (was ") && said.endsWith(", failure count reset"), said);
            assertTrue(mesh.peer(dead).consecutiveFailures < failing.consecutiveFailures, "reset, then at most its own dial failed");
            assertTrue(mesh.peer(dead).history.stream().anyMatch(t -> "operator reconnect".equals(t.reason)),
                mesh.peer(dead).history.toString());

            List<String> all = run("mesh:reconnect --all").lines().toList();
            assertEquals(2, all.size(), all.toString());
            assertTrue(all.stream().anyMatch(l -> l.contains(a) && l.endsWith("link closed, redialing")), all.toString());
            assertTrue(all.stream().allMatch(l -> l.startsWith("reconnecting ")), all.toString());
            awaitConnected(a);
        } finally {
            run("mesh:disconnect " + dead);
        }
    }

    @Test
    void anUnknownPeerIsAnErrorThatListsTheCandidates() throws Exception {
        run("mesh:connect " + peers.get(0));
        awaitConnected(peers.get(0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> run("mesh:reconnect 127.0.0.1:1"));
        assertTrue(e.getMessage().startsWith("no peer at 127.0.0.1:1 (known: "), e.getMessage());
        assertTrue(e.getMessage().contains(peers.get(0)), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> run("mesh:peer ffffffff"));
        assertTrue(e.getMessage().contains(peers.get(0)), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> run("mesh:connect 127.0.0.1"));
        assertTrue(e.getMessage().contains("port"), e.getMessage());
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return "<" + e + ">";
        }
    }
}
