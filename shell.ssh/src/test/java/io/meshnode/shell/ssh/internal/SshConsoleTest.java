package io.meshnode.shell.ssh.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Map;

import org.apache.felix.gogo.jline.Builtin;
import org.apache.felix.gogo.jline.Posix;
import org.apache.felix.gogo.jline.Procedural;
import org.apache.felix.gogo.runtime.CommandProcessorImpl;
import org.apache.felix.gogo.runtime.threadio.ThreadIOImpl;
import org.apache.felix.service.command.Descriptor;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.meshnode.api.mesh.Mesh;
import io.meshnode.api.mesh.PeerDTO;
import io.meshnode.api.mesh.PeerState;
import io.meshnode.api.testing.Configs;
import io.meshnode.api.testing.RecordingLogger;

/**
 * The SSH console over real sockets, with the real Gogo runtime and JLine shell and an SSHD client: who gets
 * in, what one command and an interactive session print, and how configuration changes apply.
 */
class SshConsoleTest {
    private static final String PEER_ID = "c454976a6686f0e1d2c3b4a5968778695a4b3c2d";

    @TempDir
    Path home;

    private final RecordingLogger log = new RecordingLogger();
    private ThreadIOImpl threadIO;
    private CommandProcessorImpl processor;
    private RemoteConsole client;
    private SshConsole console;
    private KeyPair operator;

    /** Stands in for the mesh commands. */
    public static class TestCommands {
        @Descriptor("says hello")
        public String hello(String name) {
            return "hello " + name;
        }

        public void fail() {
            throw new IllegalArgumentException("no peer matches 'x'");
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        threadIO = new ThreadIOImpl();
        threadIO.start();
        processor = new CommandProcessorImpl(threadIO);
        add("test", new TestCommands(), "hello", "fail");
        // what gogo.jline (or GogoBuiltins, headless) registers in a framework
        add("gogo", new Builtin(), GogoBuiltins.functions(Builtin.class));
        add("gogo", new Procedural(), GogoBuiltins.functions(Procedural.class));
        add("gogo", new Posix(processor), GogoBuiltins.functions(Posix.class));
        add("gogo", processor, "addcommand", "removecommand", "eval"); // as the runtime's activator does
        processor.addListener(new MeshCompletions(mesh(peer(PEER_ID, "127.0.0.2:7800", PeerState.CONNECTED))));
        operator = keyPair();
        Files.createDirectories(home.resolve("etc/ssh"));
        Files.writeString(home.resolve("etc/ssh/authorized_keys"),
            "# the operator\n" + PublicKeyEntry.toString(operator.getPublic()) + " operator@test\n");
        client = new RemoteConsole();
    }

    private void add(String scope, Object commands, String... functions) {
        for (String f : functions) {
            processor.addCommand(scope, commands, f);
        }
    }

    @AfterEach
    void tearDown() throws IOException, InterruptedException {
        client.close();
        if (console != null) {
            console.deactivate();
        }
        threadIO.stop();
    }

    private SshConsole start(Object... config) {
        Map<String, Object> values = Configs.map(config);
        values.putIfAbsent("port", "0");
        ConsoleSessions sessions = new ConsoleSessions(processor, SshConsole.shellContext(System::getProperty),
            log.logger());
        console = new SshConsole(sessions, home, log.logger(),
            Configs.of(SshConsole.Config.class, values), Map.of());
        return console;
    }

    @Test
    void theOperatorsKeyRunsOneCommandAndGetsItsFormattedResult() throws Exception {
        start();
        try (ClientSession session = client.login(console.port(), operator, null)) {
            RemoteConsole.Result hello = RemoteConsole.exec(session, "test:hello operator");
            assertEquals("hello operator\n", hello.out, hello.toString());
            assertEquals(0, hello.status);

            RemoteConsole.Result pipe = RemoteConsole.exec(session, "hello a | grep --color=never hello");
            assertEquals("hello a\n", pipe.out, "unscoped names and the gogo builtins: " + pipe);
        }
        assertTrue(log.has("INFO", "SSH console listening on 127.0.0.1:" + console.port()), log.lines().toString());
        assertTrue(log.has("INFO", "'meshnode' logged in from 127.0.0.1:"), log.lines().toString());
    }

    @Test
    void aFailingCommandPrintsTheReasonOnStderrAndExitsWithOne() throws Exception {
        start();
        try (ClientSession session = client.login(console.port(), operator, null)) {
            RemoteConsole.Result failed = RemoteConsole.exec(session, "test:fail");
            assertEquals(1, failed.status, failed.toString());
            assertEquals("no peer matches 'x'\n", failed.err);
            assertEquals("", failed.out);

            RemoteConsole.Result unknown = RemoteConsole.exec(session, "nosuch:command");
            assertEquals(1, unknown.status, unknown.toString());
            assertTrue(unknown.err.contains("nosuch:command"), unknown.toString());
        }
    }

    @Test
    void withoutAnAuthorizedKeyOrPasswordNobodyGetsIn() throws Exception {
        start();
        int port = console.port();
        assertThrows(IOException.class, () -> client.login(port, keyPair(), null), "an unknown key");
        assertThrows(IOException.class, () -> client.login(port, null, "s3cret"), "password login is off");
        assertThrows(IOException.class, () -> client.login(port, null, null), "no credentials");
    }

    @Test
    void aConfiguredPasswordLetsTheOperatorInAndAWrongOneDoesNot() throws Exception {
        start("password", "s3cret");
        int port = console.port();
        try (ClientSession session = client.login(port, null, "s3cret")) {
            assertEquals("hello pw\n", RemoteConsole.exec(session, "test:hello pw").out);
        }
        assertThrows(IOException.class, () -> client.login(port, null, "guess"));
        assertTrue(log.has("WARN", "wrong password for user 'meshnode'"), log.lines().toString());
    }

    @Test
    void theInteractiveShellCompletesPeersAndExitLeavesOnlyTheSession() throws Exception {
        start();
        try (ClientSession session = client.login(console.port(), operator, null);
            RemoteConsole.Terminal terminal = new RemoteConsole.Terminal(session)) {
            terminal.await(0, "g! ");

            int from = terminal.screen().length();
            terminal.type("test:hello tty\r");
            assertTrue(terminal.await(from, "hello tty\r\n").contains("hello tty"));

            from = terminal.screen().length();
            terminal.type("mesh:reconnect \t");
            String offered = terminal.await(from, "127.0.0.2:7800");
            assertTrue(offered.contains("c454976a6686"), "the short id is offered too: " + offered);

            from = terminal.screen().length();
            terminal.type("\u0015mesh:peers --state \t");
            assertTrue(terminal.await(from, "HANDSHAKING").contains("PARKED"));

            terminal.type("\u0015exit\r");
            assertEquals(0, terminal.awaitExit(), terminal.screen());
        }
        // the console is still there for the next operator
        try (ClientSession session = client.login(console.port(), operator, null)) {
            assertEquals(0, RemoteConsole.exec(session, "test:hello again").status);
        }
    }

    @Test
    void theHostKeyIsKeptAcrossRestarts() throws Exception {
        start();
        client.login(console.port(), operator, null).close();
        console.deactivate();
        start();
        client.login(console.port(), operator, null).close();
        assertEquals(2, client.hostKeys.size());
        assertEquals(client.hostKeys.get(0), client.hostKeys.get(1));
        assertTrue(Files.isRegularFile(home.resolve("data/ssh/host.key")));
    }

    @Test
    void aBadValueIsReportedWithFileAndKeyAndThePreviousConsoleKeepsRunning() throws Exception {
        start();
        int port = console.port();
        Map<String, Object> file =
            Map.of("felix.fileinstall.filename", home.resolve("etc/meshnode.ssh.cfg").toUri().toString());
        console.modified(Configs.of(SshConsole.Config.class, Map.of("port", "99999")), file);
        console.modified(Configs.of(SshConsole.Config.class, Map.of("port", "0", "enabled", "yes")), file);
        console.modified(Configs.of(SshConsole.Config.class, Map.of("port", "0", "host", "no.such.host.invalid")),
            file);

        console.sync();
        assertTrue(log.has("ERROR", "etc/meshnode.ssh.cfg: port = '99999' is invalid"), log.lines().toString());
        assertTrue(log.has("ERROR", "etc/meshnode.ssh.cfg: enabled = 'yes' is invalid: true or false"));
        assertTrue(log.has("ERROR", "etc/meshnode.ssh.cfg: host = 'no.such.host.invalid' is invalid"));
        assertEquals(port, console.port());
        try (ClientSession session = client.login(port, operator, null)) {
            assertEquals(0, RemoteConsole.exec(session, "test:hello still").status);
        }
    }

    @Test
    void changesApplyLiveAndEnabledFalseClosesThePort() throws Exception {
        start();
        int before = console.port();
        console.modified(Configs.of(SshConsole.Config.class, Map.of("port", "0", "password", "pw")), Map.of());
        int after = console.port();
        assertNotEquals(before, after, "rebound on a new port");
        assertThrows(IOException.class, () -> client.login(before, operator, null));
        client.login(after, null, "pw").close();

        console.modified(Configs.of(SshConsole.Config.class, Map.of("enabled", "false")), Map.of());
        assertEquals(-1, console.port());
        assertThrows(IOException.class, () -> client.login(after, operator, null));
        console.sync();
        assertTrue(log.has("INFO", "SSH console off"));
    }

    private static KeyPair keyPair() throws NoSuchAlgorithmException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(256);
        return generator.generateKeyPair();
    }

    static PeerDTO peer(String id, String address, PeerState state) {
        PeerDTO p = new PeerDTO();
        p.id = id;
        p.address = address;
        p.state = state;
        return p;
    }

    static Mesh mesh(PeerDTO... peers) {
        return (Mesh) Proxy.newProxyInstance(Mesh.class.getClassLoader(), new Class<?>[] {Mesh.class},
            (proxy, method, args) -> {
                if (method.getName().equals("peers")) {
                    return List.of(peers);
                }
                throw new UnsupportedOperationException(method.getName());
            });
    }
}
