package io.meshnode.shell.ssh.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ChannelShell;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.channel.PtyMode;

/** An SSH client for the tests: logs in as meshnode, runs one command or drives a shell with a PTY. */
final class RemoteConsole implements AutoCloseable {
    static final Duration TIMEOUT = Duration.ofSeconds(20);

    final List<PublicKey> hostKeys = new CopyOnWriteArrayList<>();
    private final SshClient client = SshClient.setUpDefaultClient();

    RemoteConsole() {
        client.setServerKeyVerifier((session, address, key) -> hostKeys.add(key));
        client.start();
    }

    /** @param key a key pair, or {@code null}; @param password a password, or {@code null} */
    ClientSession login(int port, KeyPair key, String password) throws IOException {
        return login(ConsoleServer.USER, "127.0.0.1", port, key, password);
    }

    ClientSession login(String user, String host, int port, KeyPair key, String password) throws IOException {
        ClientSession session = client.connect(user, host, port).verify(TIMEOUT).getSession();
        try {
            if (key != null) {
                session.addPublicKeyIdentity(key);
            }
            if (password != null) {
                session.addPasswordIdentity(password);
            }
            session.auth().verify(TIMEOUT);
            return session;
        } catch (IOException | RuntimeException e) {
            session.close();
            throw e;
        }
    }

    /** What one exec request printed, and its exit status. */
    static final class Result {
        final String out;
        final String err;
        final Integer status;

        Result(String out, String err, Integer status) {
            this.out = out;
            this.err = err;
            this.status = status;
        }

        @Override
        public String toString() {
            return "status " + status + ", out [" + out + "], err [" + err + "]";
        }
    }

    static Result exec(ClientSession session, String command) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (ChannelExec channel = session.createExecChannel(command)) {
            channel.setOut(out);
            channel.setErr(err);
            channel.open().verify(TIMEOUT);
            channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), TIMEOUT);
            return new Result(out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8),
                channel.getExitStatus());
        }
    }

    /** A shell channel with a PTY: what it printed so far, and a way to type. */
    static final class Terminal implements AutoCloseable {
        final ChannelShell channel;
        private final PipedOutputStream keyboard = new PipedOutputStream();
        private final StringBuffer screen = new StringBuffer();

        Terminal(ClientSession session) throws IOException {
            channel = session.createShellChannel();
            channel.setPtyType("xterm");
            channel.setPtyColumns(120);
            channel.setPtyLines(40);
            // as OpenSSH sends them: the server's terminal turns \n into \r\n for the raw client
            channel.setPtyModes(Map.of(PtyMode.OPOST, 1, PtyMode.ONLCR, 1, PtyMode.ICRNL, 1, PtyMode.ISIG, 1,
                PtyMode.ICANON, 1, PtyMode.ECHO, 1, PtyMode.VINTR, 3));
            channel.setIn(new PipedInputStream(keyboard));
            channel.setOut(new OutputStream() {
                @Override
                public void write(int b) {
                    screen.append((char) b);
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    screen.append(new String(b, off, len, StandardCharsets.UTF_8));
                }
            });
            channel.setRedirectErrorStream(true);
            channel.open().verify(TIMEOUT);
        }

        void type(String keys) throws IOException {
            keyboard.write(keys.getBytes(StandardCharsets.UTF_8));
            keyboard.flush();
        }

        String screen() {
            return screen.toString();
        }

        /** @return the screen from {@code from} on, once it shows {@code text} */
        String await(int from, String text) {
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (screen.indexOf(text, from) < 0) {
                if (System.nanoTime() > deadline || channel.isClosed()) {
                    throw new AssertionError("no '" + text + "' on the screen: " + screen.substring(from));
                }
                channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), Duration.ofMillis(10));
            }
            return screen.substring(from);
        }

        Integer awaitExit() {
            channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), TIMEOUT);
            return channel.getExitStatus();
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    @Override
    public void close() throws IOException {
        client.stop();
    }
}
