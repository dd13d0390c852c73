package io.meshnode.itest.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import io.meshnode.itest.SshCommand;

/**
 * The console as an operator meets it: node a runs the exported jar on a pseudo-terminal (util-linux
 * {@code script}) and is driven keystroke by keystroke, Tab included; node b runs headless beside it as a real
 * peer and is operated through its SSH console.
 */
class ConsoleIT {
    private static final Duration READY = Duration.ofSeconds(60);
    private static final Duration STEP = Duration.ofSeconds(30);
    private static final String PROMPT = "g! ";

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path root;

    private final int port = ThreadLocalRandom.current().nextInt(20_000, 40_000);
    private final int subnet = ThreadLocalRandom.current().nextInt(2, 200);
    private NodeProcess b;
    private Process console;

    @AfterEach
    void stop() throws InterruptedException {
        if (console != null && console.isAlive()) {
            console.descendants().forEach(ProcessHandle::destroy);
            console.destroy();
            console.waitFor();
        }
        if (b != null) {
            b.close();
        }
    }

    @Test
    void anOperatorTypesHelpPeersAndReconnectWithTabCompletionOnATerminal() throws Exception {
        NodeProcess a = new NodeProcess(root, "a", "127." + subnet + ".0.11:" + port);
        b = new NodeProcess(root, "b", "127." + subnet + ".0.12:" + port);
        a.peers(b);
        b.peers(a);
        KeyPair operator = KeyPairGenerator.getInstance("EC").generateKeyPair();
        Files.createDirectories(b.home.resolve("etc/ssh"));
        Files.writeString(b.home.resolve("etc/ssh/authorized_keys"),
            PublicKeyEntry.toString(operator.getPublic()) + "\n");
        b.set("ssh", "enabled", "true").start();
        String bId = b.awaitReady(READY);
        String bShort = b.shortId();

        a.writeConfig();
        // script gives the node a terminal; without a size JLine would draw on a width-0 screen.
        console = new ProcessBuilder("script", "-qfec", "stty cols 160 rows 50; exec " + java()
            + " -Xmx128m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -jar " + NodeProcess.jar() + " --home " + a.home,
            "/dev/null").redirectErrorStream(true).start();
        Screen screen = new Screen(console.getInputStream());
        OutputStream keyboard = console.getOutputStream();
        screen.await(0, PROMPT, READY);
        java.util.regex.Matcher ready = NodeProcess.READY.matcher(screen.text());
        assertTrue(ready.find(), screen.text());
        String aShort = ready.group(1).substring(0, 12);

        int mark = screen.type(keyboard, "help\r");
        assertTrue(screen.await(mark, PROMPT, STEP).contains("mesh:reconnect"), "help lists the mesh commands");

        // The peer table, typed again until the link to b is up.
        Waits.until(STEP, () -> {
            int m = screen.type(keyboard, "mesh:peers\r");
            String table = screen.await(m + "mesh:peers".length(), PROMPT, STEP);
            return table.lines().anyMatch(l -> l.contains(bShort) && l.contains(b.listen) && l.contains("CONNECTED"));
        }, screen::text);

        // Tab offers b by short id and address; the operator takes the id and runs it.
        mark = screen.type(keyboard, "mesh:reconnect \t");
        String offered = screen.await(mark, b.listen, STEP);
        assertTrue(offered.contains(bShort), "completion offers the short id: " + offered);
        long linksBefore = b.logLines("connected to " + aShort).size();
        mark = screen.type(keyboard, "\u0015mesh:reconnect " + bShort + "\r");
        String reconnected = screen.await(mark + 1, PROMPT, STEP);
        assertTrue(reconnected.contains(bShort) && !reconnected.contains("Exception"), reconnected);
        Waits.until(STEP, () -> b.logLines("connected to " + aShort).size() > linksBefore,
            () -> "b saw no new link from a: " + b.log());

        // The headless node, through its SSH console: one command, its output and exit status.
        try (SshClient client = SshClient.setUpDefaultClient()) {
            client.start();
            String[] sshHostPort = {b.config.get("ssh").get("host"), b.config.get("ssh").get("port")};
            try (ClientSession session = client.connect("meshnode", sshHostPort[0], Integer.parseInt(sshHostPort[1]))
                .verify(STEP).getSession()) {
                session.addPublicKeyIdentity(operator);
                session.auth().verify(STEP);
                String status = exec(session, "mesh:status");
                assertTrue(status.contains(bId), status);
                // gogo.jline never starts on a headless node: its grep comes from shell.ssh's fallback builtins
                String connected = exec(session, "mesh:peers | grep --color=never CONNECTED");
                assertTrue(connected.contains(aShort), connected);
            }
        }

        screen.type(keyboard, "exit\r");
        Waits.until(STEP, () -> !console.isAlive(), screen::text);
    }

    /** Runs one command over SSH; it must exit with 0. */
    private static String exec(ClientSession session, String command) throws IOException {
        SshCommand run = SshCommand.run(session, command, STEP);
        assertEquals(0, run.status(), command + ": " + run.out() + run.err());
        return run.out() + run.err();
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Everything the terminal showed, read on its own thread. */
    private static final class Screen {
        private final StringBuffer text = new StringBuffer();

        Screen(InputStream in) {
            Thread reader = new Thread(() -> {
                byte[] buffer = new byte[8192];
                try {
                    for (int n; (n = in.read(buffer)) > 0;) {
                        text.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
                    }
                } catch (IOException e) {
                    // the terminal closed
                }
            }, "console screen");
            reader.setDaemon(true);
            reader.start();
        }

        /** @return where the screen stood before the keys were sent */
        int type(OutputStream keyboard, String keys) {
            int mark = text.length();
            try {
                keyboard.write(keys.getBytes(StandardCharsets.UTF_8));
                keyboard.flush();
            } catch (IOException e) {
                throw new AssertionError("the terminal is gone: " + text, e);
            }
            return mark;
        }

        /** @return the screen from {@code from} on, once {@code expected} shows there */
        String await(int from, String expected, Duration timeout) {
            Waits.until(timeout, () -> text.indexOf(expected, from) >= 0,
                () -> "no '" + expected + "' on the screen after: " + text.substring(Math.min(from, text.length())));
            return text.substring(from);
        }

        String text() {
            return text.toString();
        }
    }
}
