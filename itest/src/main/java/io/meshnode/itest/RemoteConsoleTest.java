package io.meshnode.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.Hashtable;

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
        try {
            ClientSession session = client.connect("meshnode", "127.0.0.1", port).verify(TIMEOUT).getSession();
            session.addPasswordIdentity(PASSWORD);
            session.auth().verify(TIMEOUT);
            return session;
        } catch (IOException e) {
            return null;
        }
    }
}
