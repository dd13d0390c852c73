package io.meshnode.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.Hashtable;
import java.util.Map;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.wiring.BundleWire;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.test.common.annotation.InjectBundleContext;

import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.keyverifier.AcceptAllServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.junit.jupiter.api.Test;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.test.common.annotation.InjectService;

import io.meshnode.api.mesh.Mesh;

/**
 * The SSH console (shell.ssh) in the framework under test, on Felix and on Equinox: configured live, an operator
 * logs in and runs one command, and a command that fails exits 1 with the message on stderr.
 */
class RemoteConsoleTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final String PID = "meshnode.ssh";
    private static final String PASSWORD = "itest-remote-console";

    @InjectService(timeout = 10_000)
    ConfigurationAdmin cm;

    @InjectService(timeout = 10_000)
    Mesh mesh;

    @InjectService(timeout = 10_000)
    CommandProcessor processor;

    /**
     * Ed25519 (ssh-keygen's default key type): SSHD has it only when its optional BouncyCastle imports are wired,
     * which happens only when bcprov resolves in the same run (cnf/framework.bnd -runbundles.remote).
     */
    @Test
    void sshdHasEd25519ThroughBouncyCastle(@InjectBundleContext BundleContext context) {
        Bundle sshd = null;
        for (Bundle b : context.getBundles()) {
            if ("org.apache.sshd.osgi".equals(b.getSymbolicName())) {
                sshd = b;
            }
        }
        assertTrue(sshd != null, "SSHD is in the run");
        boolean wired = false;
        for (BundleWire wire : sshd.adapt(BundleWiring.class).getRequiredWires("osgi.wiring.package")) {
            wired |= "bcprov".equals(wire.getProvider().getBundle().getSymbolicName());
        }
        assertTrue(wired, "SSHD's BouncyCastle imports are wired to bcprov");
        assertTrue(SecurityUtils.isEDDSACurveSupported(), "SSHD supports Ed25519");
    }

    /** Wrong passwords from one address ban it; mesh:bans lists the ban beside the mesh's, mesh:unban lifts it. */
    @Test
    void guessingPasswordsBansTheAddressAndMeshBansShowsIt() throws Exception {
        int port = NodeRunner.freePort();
        Restore restore = configure(Map.of("host", "127.0.77.31", "port", String.valueOf(port), "password", PASSWORD,
            "auth.max", "2", "auth.delay", "0s", "auth.ban.after", "3", "auth.ban.time", "10m"));
        SshClient client = SshClient.setUpDefaultClient();
        client.setServerKeyVerifier(AcceptAllServerKeyVerifier.INSTANCE);
        client.start();
        CommandSession gogo = processor.createSession(new ByteArrayInputStream(new byte[0]),
            new PrintStream(new ByteArrayOutputStream()), new PrintStream(new ByteArrayOutputStream()));
        try {
            Await.until(TIMEOUT, () -> login(client, "127.0.77.31", port, PASSWORD), s -> s != null,
                "the console listens on 127.0.77.31:" + port).close();
            for (int i = 0; i < 2; i++) {
                try (ClientSession s = client.connect("meshnode", new InetSocketAddress("127.0.77.31", port),
                    new InetSocketAddress("127.0.77.32", 0)).verify(TIMEOUT).getSession()) {
                    s.addPasswordIdentity("guess-" + i);
                    s.addPasswordIdentity("guess-" + i + "b");
                    s.auth().await(TIMEOUT);
                }
            }
            String bans = Await.until(TIMEOUT, () -> format(gogo, "mesh:bans"), t -> t.contains("127.0.77.32"),
                "mesh:bans lists 127.0.77.32");
            assertTrue(bans.contains("ssh console: wrong password for user 'meshnode'"), bans);
            String lifted = format(gogo, "mesh:unban 127.0.77.32");
            assertTrue(lifted.startsWith("lifted (1)"), lifted);
        } finally {
            gogo.close();
            client.stop();
            restore.run();
        }
    }

    private static String format(CommandSession session, String line) {
        try {
            Object result = session.execute(line);
            return result == null ? "" : session.format(result, Converter.INSPECT).toString();
        } catch (Exception e) {
            throw new AssertionError(line + ": " + e, e);
        }
    }

    private interface Restore {
        void run() throws IOException;
    }

    /** Updates the console's configuration; @return how to put the previous one back */
    private Restore configure(Map<String, String> values) throws IOException {
        Configuration config = cm.getConfiguration(PID, "?");
        Dictionary<String, Object> saved = config.getProperties();
        Hashtable<String, Object> props = new Hashtable<>();
        if (saved != null) {
            for (Enumeration<String> keys = saved.keys(); keys.hasMoreElements();) {
                String key = keys.nextElement();
                props.put(key, saved.get(key));
            }
        }
        props.putAll(values);
        config.update(props);
        return () -> {
            if (saved == null) {
                config.delete();
            } else {
                config.update(saved);
            }
        };
    }

    @Test
    void anOperatorLogsInAndRunsOneCommand() throws Exception {
        Configuration config = cm.getConfiguration(PID, "?");
        Dictionary<String, Object> saved = config.getProperties();
        int port = NodeRunner.freePort();
        Hashtable<String, Object> props = new Hashtable<>();
        if (saved != null) {
            for (Enumeration<String> keys = saved.keys(); keys.hasMoreElements();) {
                String key = keys.nextElement();
                props.put(key, saved.get(key));
            }
        }
        props.put("host", "127.0.0.1");
        props.put("port", String.valueOf(port));
        props.put("password", PASSWORD);
        config.update(props);
        SshClient client = SshClient.setUpDefaultClient();
        client.setServerKeyVerifier(AcceptAllServerKeyVerifier.INSTANCE);
        client.start();
        try (ClientSession session = Await.until(TIMEOUT, () -> login(client, port), s -> s != null,
            "logged in to the SSH console on port " + port)) {
            SshCommand status = SshCommand.run(session, "mesh:status", TIMEOUT);
            assertEquals(0, status.status(), "exit status; stderr: " + status.err());
            assertTrue(status.out().contains("node " + mesh.node().id), status.out());

            SshCommand unknown = SshCommand.run(session, "mesh:peer no-such-peer", TIMEOUT);
            assertEquals(1, unknown.status(), "exit status; stdout: " + unknown.out());
            assertTrue(unknown.err().contains("no peer matches 'no-such-peer'"), unknown.err());
        } finally {
            client.stop();
            if (saved == null) {
                config.delete();
            } else {
                config.update(saved);
            }
        }
    }

    /** @return a logged-in session, or {@code null} while the console is not listening yet */
    private static ClientSession login(SshClient client, int port) {
        return login(client, "127.0.0.1", port, PASSWORD);
    }

    private static ClientSession login(SshClient client, String host, int port, String password) {
        try {
            ClientSession session = client.connect("meshnode", host, port).verify(TIMEOUT).getSession();
            session.addPasswordIdentity(password);
            session.auth().verify(TIMEOUT);
            return session;
        } catch (IOException e) {
            return null;
        }
    }
}
