package io.meshnode.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.felix.gogo.runtime.CommandProcessorImpl;
import org.apache.felix.gogo.runtime.threadio.ThreadIOImpl;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

import io.meshnode.api.testing.FakeMesh;
import io.meshnode.api.testing.RecordingLogger;

/**
 * The commands and the converter inside the real Gogo runtime (no framework): how it parses flags, picks
 * overloads, resolves unscoped names, reports exceptions and formats results, the way the console does.
 */
class GogoRuntimeTest {
    private final FakeMesh mesh = MeshFixtures.mesh();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private ThreadIOImpl threadIO;
    private CommandProcessorImpl processor;
    private CommandSession session;

    @BeforeEach
    void console() {
        mesh.peers.add(MeshFixtures.connected());
        mesh.peers.add(MeshFixtures.parked());
        mesh.peers.add(MeshFixtures.idle("10.0.0.9:7800"));
        threadIO = new ThreadIOImpl();
        threadIO.start();
        processor = new CommandProcessorImpl(threadIO);
        MeshCommands commands = new MeshCommands(mesh);
        for (String f : List.of("status", "peers", "peer", "reconnect", "connect", "disconnect", "ping")) {
            processor.addCommand("mesh", commands, f);
        }
        Bundle framework = Stub.of(Bundle.class, Map.of("stop", a -> {
            stopped.countDown();
            return null;
        }));
        NodeCommands node = new NodeCommands(Stub.of(BundleContext.class, Map.of("getBundle", a -> framework)),
            new RecordingLogger().logger(), new Object());
        for (String f : List.of("exit", "shutdown")) {
            processor.addCommand("node", node, f);
        }
        processor.addConverter(new MeshConverter(Clock.fixed(Instant.ofEpochMilli(MeshFixtures.NOW), ZoneOffset.UTC)));
        session = processor.createSession(new ByteArrayInputStream(new byte[0]), out, out);
    }

    @AfterEach
    void close() {
        session.close();
        processor.stop();
        threadIO.stop();
    }

    private String run(String line) throws Exception {
        return session.format(session.execute(line), Converter.INSPECT).toString();
    }

    @Test
    void peersWithAStateFlagPrintsTheMatchingPeersAsATable() throws Exception {
        assertEquals(String.join("\n",
            "ID            ADDRESS         ROLE        STATE      DIR  UPTIME      RTT  FAIL  NEXT   LAST-CLOSE",
            "9f2c4e1a7b3d  127.0.0.2:7800  masternode  CONNECTED  out   1h02m  0.31 ms     2  in 3s  TIMEOUT 12s ago"),
            run("peers --state connected"));
        assertEquals(run("peers --state CONNECTED"), run("mesh:peers -s Connected"));
        assertEquals(3, ((List<?>) session.execute("peers")).size());
    }

    @Test
    void aBadStateIsRefusedWithTheValidOnes() {
        Exception e = assertThrows(IllegalArgumentException.class, () -> session.execute("peers --state up"));
        assertEquals("unknown peer state 'up'; valid states: IDLE, CONNECTING, HANDSHAKING, CONNECTED, BACKOFF, PARKED",
            e.getMessage());
    }

    @Test
    void reconnectPicksTheOverloadByItsArguments() throws Exception {
        assertEquals("reconnecting 41d07a55e9c3 127.0.0.3:7801 (was PARKED, 20 failures): dialing now, failure count reset",
            run("reconnect 41d07a"));
        assertEquals(String.join("\n",
            "reconnecting 9f2c4e1a7b3d 127.0.0.2:7800 (was CONNECTED, 2 failures): link closed, redialing, failure count reset",
            "reconnecting 41d07a55e9c3 127.0.0.3:7801 (was CONNECTING, 0 failures): a dial was already under way",
            "reconnecting - 10.0.0.9:7800 (was IDLE, 0 failures): dialing now"), run("reconnect --all"));
        assertEquals(String.join("\n",
            "reconnecting 9f2c4e1a7b3d 127.0.0.2:7800 (was CONNECTING, 0 failures): a dial was already under way",
            "reconnecting - 10.0.0.9:7800 (was CONNECTING, 0 failures): a dial was already under way"),
            run("reconnect 9f2c 10.0.0.9:7800"));
        for (String line : List.of("reconnect", "reconnect --all 9f2c")) {
            Exception e = assertThrows(IllegalArgumentException.class, () -> session.execute(line));
            assertTrue(e.getMessage().endsWith("or give --all (not both)"), e.getMessage());
        }
    }

    @Test
    void anUnknownPeerReachesTheConsoleWithTheMeshsMessage() {
        Exception e = assertThrows(IllegalArgumentException.class, () -> session.execute("reconnect 127.0.0.9:7800"));
        assertEquals("no peer matches '127.0.0.9:7800'", e.getMessage());
        assertEquals(List.of(), mesh.reconnected);
    }

    @Test
    void connectSaysWhatChangedAndASecondConnectChangesNothing() throws Exception {
        assertEquals("added 127.0.0.7:7800 to etc/meshnode.mesh.cfg; now IDLE; note: admit = peers refuses a peer "
            + "whose id is not pinned: connect it as <id>@127.0.0.7:7800 (its id is in its ready line and in mesh:status "
            + "there)", run("connect 127.0.0.7:7800"));
        assertEquals("127.0.0.7:7800 is configured already: nothing changed", run("mesh:connect 127.0.0.7:7800"));
        assertEquals(4, mesh.peers().size());
        Exception e = assertThrows(IllegalArgumentException.class, () -> session.execute("connect 127.0.0.1:7800"));
        assertEquals("this is the node's own listen address", e.getMessage());
    }

    @Test
    void disconnectRemovesThePeerAndIsIdempotentByAddress() throws Exception {
        assertEquals("removed 41d07a55e9c3@127.0.0.3:7801 from etc/meshnode.mesh.cfg (was PARKED)", run("disconnect 41d0"));
        assertEquals("127.0.0.3:7801 is not a peer: nothing changed", run("disconnect 127.0.0.3:7801"));
        Exception e = assertThrows(IllegalArgumentException.class, () -> session.execute("disconnect 41d0"));
        assertEquals("no peer matches '41d0'", e.getMessage());
        assertEquals("no peer matches '41d0'", e.toString(), "the console prints toString(): the message alone");
        String wholeId = "41d07a55e9c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9";
        assertEquals("node " + wholeId + " is not a peer: nothing changed", run("disconnect " + wholeId));
    }

    @Test
    void enumsInScriptsPrintAsTheirNames() throws Exception {
        session.execute("p = (peers)");
        assertEquals("CONNECTED", run("($p get 0) state"));
    }

    @Test
    void pingShowsTheRoundTripAndRefusesAPeerThatIsNotConnected() throws Exception {
        assertEquals("pong from 9f2c4e1a7b3d@127.0.0.2:7800: rtt 0.420 ms", run("ping 9f2c"));
        assertEquals("pong from 9f2c4e1a7b3d@127.0.0.2:7800: rtt 0.420 ms", run("mesh:ping --timeout 2 9f2c"));
        Exception e = assertThrows(IllegalStateException.class, () -> session.execute("ping 41d0"));
        assertEquals("ping 41d07a55e9c3@127.0.0.3:7801: peer 127.0.0.3:7801 is not connected", e.getMessage());
    }

    @Test
    void peerAndStatusPrintTheirViews() throws Exception {
        assertTrue(run("peer 9f2c").startsWith("id                 " + MeshFixtures.ID + "\naddress            127.0.0.2:7800 (listen)\n"));
        String status = run("status");
        assertTrue(status.startsWith("node " + mesh.node.id + " masternode listening on 127.0.0.1:7800\n"
            + "key SHA256:c0ffee, TLS, admit peers\npeers 3: 1 IDLE, 1 CONNECTED, 1 PARKED\n\nROLE  "), status);
        assertTrue(status.contains("\nretry      io.meshnode.examples.retry.fixed.FixedRetryPolicy "), status);
        assertTrue(status.contains("\n\nID  "), status);
    }

    @Test
    void exitWithoutAScopeStopsTheFramework() throws Exception {
        session.execute("exit");
        assertTrue(stopped.await(10, TimeUnit.SECONDS));
        assertEquals("stopping node\n", out.toString(StandardCharsets.UTF_8));
    }
}
