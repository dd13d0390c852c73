package io.meshnode.shell.ssh.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.concurrent.TimeUnit;
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

import io.meshnode.api.mesh.BanDTO;
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
    private final List<SshConsole> others = new java.util.ArrayList<>();

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
        for (SshConsole c : others) {
            c.deactivate();
        }
        threadIO.stop();
    }

    private SshConsole start(Object... config) {
        console = console(home, Map.of(), config);
        return console;
    }

    /** Another console, e.g. another node's on the same machine; @param properties the merged configuration */
    private SshConsole console(Path base, Map<String, Object> properties, Object... config) {
        Map<String, Object> values = Configs.map(config);
        values.putIfAbsent("port", "0");
        values.putAll(properties);
        ConsoleSessions sessions = new ConsoleSessions(processor, SshConsole.shellContext(System::getProperty),
            log.logger());
        SshConsole c = new SshConsole(sessions, base, log.logger(), Configs.of(SshConsole.Config.class, values), values);
        others.add(c);
        return c;
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

    // --- OpenSSH's own client (Debian openssh-client; .ci/run installs it) ---

    private static final Path SSH = Path.of("/usr/bin/ssh");

    private record Run(int status, String out, String err) {}

    private static void requireOpenSsh() {
        boolean ci = "true".equals(System.getenv("CI"));
        if (ci && !Files.isExecutable(SSH)) {
            throw new AssertionError("CI=true but no /usr/bin/ssh: .ci/run installs openssh-client");
        }
        assumeTrue(Files.isExecutable(SSH), "OpenSSH client not installed (apt-get install openssh-client)");
    }

    private Path keygen(String type) throws Exception {
        Path key = home.resolve("id_" + type);
        Process p = new ProcessBuilder("ssh-keygen", "-q", "-t", type, "-N", "", "-f", key.toString())
            .redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, new String(p.getInputStream().readAllBytes()));
        return key;
    }

    private Run ssh(Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(SSH.toString(), "-F", "none", "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=10"));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(home, "ssh", ".out");
        Path err = Files.createTempFile(home, "ssh", ".err");
        ProcessBuilder pb = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("ssh did not end: " + Files.readString(err));
        }
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    @Test
    void openSshLogsInWithPlainSshKeygenKeysEd25519AndRsa() throws Exception {
        requireOpenSsh();
        Path ed25519 = keygen("ed25519");
        Path rsa = keygen("rsa");
        Files.writeString(home.resolve("etc/ssh/authorized_keys"),
            Files.readString(Path.of(ed25519 + ".pub")) + Files.readString(Path.of(rsa + ".pub")));
        start();
        int port = console.port();
        for (Path key : List.of(ed25519, rsa)) {
            Run run = ssh(Map.of(), "-p", String.valueOf(port), "-i", key.toString(), "-o", "IdentitiesOnly=yes",
                "-o", "BatchMode=yes", "meshnode@127.0.0.1", "test:hello openssh");
            assertEquals(0, run.status, key + ": " + run);
            assertEquals("hello openssh\n", run.out, key + ": " + run);
        }
        assertTrue(log.has("INFO", "etc/ssh/authorized_keys read, 2 key(s)"), log.lines().toString());
    }

    @Test
    void openSshGuessingPasswordsIsCutOffThenBannedAndTheOperatorCanUnbanIt() throws Exception {
        requireOpenSsh();
        String password = "the-right-one";
        start("host", "127.0.77.21", "password", Password.hash(password.toCharArray(), new SecureRandom()),
            "auth.max", "4", "auth.delay", "20ms", "auth.ban.after", "5", "auth.ban.time", "10m");
        int port = console.port();
        Path prompts = home.resolve("prompts");
        Path askpass = home.resolve("askpass");
        Files.writeString(askpass, "#!/bin/sh\necho x >> '" + prompts + "'\necho wrong\n");
        Files.setPosixFilePermissions(askpass, PosixFilePermissions.fromString("rwx------"));
        Map<String, String> env = Map.of("SSH_ASKPASS", askpass.toString(), "SSH_ASKPASS_REQUIRE", "force",
            "DISPLAY", ":0");
        String[] guess = {"-p", String.valueOf(port), "-b", "127.0.77.22", "-o", "PreferredAuthentications=password",
            "-o", "PubkeyAuthentication=no", "-o", "NumberOfPasswordPrompts=20", "meshnode@127.0.77.21", "test:hello x"};

        Run first = ssh(env, guess);
        assertEquals(255, first.status, first.toString());
        int asked = Files.readAllLines(prompts).size();
        // auth.max wrong passwords, and the next attempt is answered by the disconnect
        assertEquals(5, asked, "cut off after auth.max attempts, not 20 prompts: " + first);
        assertTrue(log.has("INFO", "127.0.77.22:"), log.lines().toString());
        assertTrue(log.has("INFO", "left without logging in after 4 refused attempt(s) as 'meshnode'"));
        assertTrue(first.err.contains("Too many authentication failures"), first.toString());
        assertEquals(List.of(), console.bans(), "not banned yet after " + asked + " failures");

        Run second = ssh(env, guess);
        assertEquals(255, second.status, second.toString());
        List<BanDTO> bans = console.bans();
        assertEquals(1, bans.size(), log.lines().toString());
        assertEquals("127.0.77.22", bans.get(0).address);
        assertEquals("ssh console: wrong password for user 'meshnode'", bans.get(0).reason);

        int before = Files.readAllLines(prompts).size();
        Run banned = ssh(env, guess);
        assertEquals(255, banned.status, banned.toString());
        assertEquals(before, Files.readAllLines(prompts).size(), "a banned address is not even asked: " + banned);
        assertTrue(log.has("WARN", "SSH console: banning 127.0.77.22 for 10m after 5 failed logins"));

        // the operator, from another address, is not concerned; then lifts the ban
        client.login(ConsoleServer.USER, "127.0.77.21", port, null, password).close();
        assertEquals("127.0.77.22", console.unban("127.0.77.22").get(0).address);
        Run again = ssh(env, guess);
        assertTrue(Files.readAllLines(prompts).size() > before, "asked again after the unban: " + again);
    }

    @Test
    void aUserNameWithLineBreaksCannotForgeALogLine() throws Exception {
        start("password", "pw", "auth.delay", "0s");
        String forged = "root\nINFO SSH console: 'meshnode' logged in from 10.0.0.1:1 (key)";
        assertThrows(IOException.class, () -> client.login(forged, "127.0.0.1", console.port(), keyPair(), "guess"));
        org.awaitility.Awaitility.await().atMost(RemoteConsole.TIMEOUT).until(() -> log.has("INFO", "left without logging in"));
        assertTrue(log.has("WARN", "wrong password for user 'root\\u000aINFO SSH console:"), log.lines().toString());
        assertTrue(log.lines().stream().noneMatch(l -> l.indexOf('\n') >= 0 || l.indexOf('\r') >= 0),
            log.lines().toString());
    }

    @Test
    void aHashedPasswordLetsTheOperatorInWithoutAWarning() throws Exception {
        start("password", Password.hash("hashed-pw".toCharArray(), new SecureRandom()));
        client.login(console.port(), null, "hashed-pw").close();
        assertThrows(IOException.class, () -> client.login(console.port(), null, "hashed-pw2"));
        assertTrue(log.at("WARN").stream().noneMatch(l -> l.contains("clear text")), log.lines().toString());
    }

    @Test
    void authorizedKeysOptionsFromAndCommandAreEnforcedAndUnknownOnesRefused() throws Exception {
        KeyPair far = keyPair();
        KeyPair forced = keyPair();
        KeyPair env = keyPair();
        KeyPair restricted = keyPair();
        Files.writeString(home.resolve("etc/ssh/authorized_keys"), String.join("\n",
            "from=\"10.*,192.168.0.0/16\" " + PublicKeyEntry.toString(far.getPublic()),
            "from=\"127.0.0.0/8\",command=\"test:hello forced\" " + PublicKeyEntry.toString(forced.getPublic()),
            "environment=\"A=b\" " + PublicKeyEntry.toString(env.getPublic()),
            "restrict " + PublicKeyEntry.toString(restricted.getPublic()), ""));
        start();
        int port = console.port();
        assertThrows(IOException.class, () -> client.login(port, far, null));
        assertTrue(log.has("WARN", "is not allowed from 127.0.0.1 (from=\"10.*,192.168.0.0/16\")"), log.lines().toString());
        assertThrows(IOException.class, () -> client.login(port, env, null));
        assertTrue(log.has("WARN", "etc/ssh/authorized_keys line 3: option 'environment' is not supported"));

        try (ClientSession session = client.login(port, forced, null)) {
            RemoteConsole.Result r = RemoteConsole.exec(session, "test:fail");
            assertEquals("hello forced\n", r.out, "command= replaces what the client asked for: " + r);
        }
        try (ClientSession session = client.login(port, restricted, null)) {
            assertEquals("hello r\n", RemoteConsole.exec(session, "test:hello r").out);
            try (RemoteConsole.Terminal terminal = new RemoteConsole.Terminal(session)) {
                assertEquals(1, terminal.awaitExit());
                assertTrue(terminal.screen().contains("single commands only"), terminal.screen());
            }
        }
    }

    @Test
    void aWritableAuthorizedKeysOrSshFolderIsRefusedAsStrictModesDoes() throws Exception {
        Path keys = home.resolve("etc/ssh/authorized_keys");
        Path dir = keys.getParent();
        start();
        int port = console.port();
        Files.setPosixFilePermissions(keys, PosixFilePermissions.fromString("rw-rw-r--"));
        assertThrows(IOException.class, () -> client.login(port, operator, null));
        assertTrue(log.has("ERROR", "SSH console: refusing every key: " + keys + " is writable by its group or by "
            + "others (rw-rw-r--); run: chmod go-w " + keys), log.lines().toString());

        Files.setPosixFilePermissions(keys, PosixFilePermissions.fromString("rw-r--r--"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        assertThrows(IOException.class, () -> client.login(port, operator, null));
        assertTrue(log.has("ERROR", dir + " is writable by its group or by others"), log.lines().toString());

        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        client.login(port, operator, null).close();
    }

    @Test
    void nodesOnTheirOwnLoopbackAddressesGetAConsoleEachOnTheSamePort() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress("127.0.77.7", 0));
            port = probe.getLocalPort();
        }
        List<SshConsole> nodes = new ArrayList<>();
        for (String host : List.of("127.0.77.7", "127.0.77.8")) {
            Path base = home.resolve(host);
            Files.createDirectories(base.resolve("etc/ssh"));
            Files.copy(home.resolve("etc/ssh/authorized_keys"), base.resolve("etc/ssh/authorized_keys"));
            nodes.add(console(base, Map.of("listen", host + ":7800"), "port", String.valueOf(port)));
        }
        for (int i = 0; i < 2; i++) {
            String host = "127.0.77." + (7 + i);
            assertEquals(port, nodes.get(i).port());
            assertTrue(log.has("INFO", "SSH console listening on " + host + ":" + port + " (host from listen;"));
            try (ClientSession session = client.login(ConsoleServer.USER, host, port, operator, null)) {
                assertEquals("hello " + host + "\n", RemoteConsole.exec(session, "test:hello " + host).out);
            }
        }
        // a third node configured onto a taken address: a clear error, and it runs on without a console
        SshConsole clash = console(home.resolve("clash"), Map.of("listen", "127.0.77.7:7900"), "port", String.valueOf(port));
        assertEquals(-1, clash.port());
        assertTrue(log.has("ERROR", "SSH console cannot listen on 127.0.77.7:" + port + ": the address is in use"),
            log.lines().toString());
        // host in etc/meshnode.ssh.cfg wins over listen
        SshConsole pinned = console(home.resolve("pinned"), Map.of("listen", "127.0.77.7:7800"), "host", "127.0.77.9");
        assertTrue(InetAddress.getByName("127.0.77.9").isLoopbackAddress());
        pinned.sync();
        assertTrue(log.has("INFO", "SSH console listening on 127.0.77.9:" + pinned.port() + " (host from host;"));
    }

    @Test
    void theConsoleFollowsAChangeOfListenLiveAndIgnoresOtherMeshKeys() throws Exception {
        SshConsole c = console(home, Map.of("listen", "127.0.77.11:7800"));
        int first = c.port();
        assertTrue(log.has("INFO", "SSH console listening on 127.0.77.11:" + first + " (host from listen;"));
        Map<String, Object> next = new java.util.HashMap<>(Map.of("port", "0", "listen", "127.0.77.12:7800"));
        c.modified(Configs.of(SshConsole.Config.class, next), next);
        int moved = c.port();
        client.login(ConsoleServer.USER, "127.0.77.12", moved, operator, null).close();
        // mesh:connect rewrites peers: the same settings, so no rebind (port 0 would give another port)
        next.put("peers", "127.0.0.2:7800");
        c.modified(Configs.of(SshConsole.Config.class, next), next);
        assertEquals(moved, c.port());
    }

    @Test
    void onlyALoopbackListenHostBecomesTheConsolesHost() {
        assertEquals("127.0.0.7", Settings.meshHost("127.0.0.7:7800"));
        assertEquals("0:0:0:0:0:0:0:1", Settings.meshHost("[::1]:7800"));
        assertEquals(null, Settings.meshHost("10.1.2.3:7800"), "the console stays off the network");
        assertEquals(null, Settings.meshHost("not an endpoint"));
        assertEquals(null, Settings.meshHost(null));
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
