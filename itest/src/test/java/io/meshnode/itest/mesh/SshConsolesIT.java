package io.meshnode.itest.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes of the exported jar on one machine, on 127.0.77.7 and 127.0.77.8 with the same ports and no SSH host
 * configured: each console follows its node's listen host, and OpenSSH's own client logs in to each with a key
 * made by plain {@code ssh-keygen -t ed25519}.
 */
class SshConsolesIT {
    private static final Duration READY = Duration.ofSeconds(60);
    private static final Path SSH = Path.of("/usr/bin/ssh");

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path root;

    private final List<NodeProcess> nodes = new ArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        for (NodeProcess n : nodes) {
            n.close();
        }
    }

    @Test
    void nodesOnTheirOwnLoopbackAddressesEachGetTheirConsoleAndEd25519KeysWork() throws Exception {
        boolean ci = "true".equals(System.getenv("CI"));
        assumeTrue(ci || Files.isExecutable(SSH), "OpenSSH client not installed (apt-get install openssh-client)");
        Path key = root.resolve("id_ed25519");
        Process keygen = new ProcessBuilder("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key.toString())
            .redirectErrorStream(true).start();
        assertTrue(keygen.waitFor(30, TimeUnit.SECONDS) && keygen.exitValue() == 0);

        int port = ThreadLocalRandom.current().nextInt(20_000, 40_000);
        int sshPort = port + 1;
        for (String host : List.of("127.0.77.7", "127.0.77.8")) {
            NodeProcess n = new NodeProcess(root, host, host + ":" + port);
            n.config.get("ssh").remove("host");
            n.set("ssh", "enabled", "true").set("ssh", "port", String.valueOf(sshPort));
            Path ssh = Files.createDirectories(n.home.resolve("etc/ssh"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Files.copy(Path.of(key + ".pub"), ssh.resolve("authorized_keys"));
            nodes.add(n.start());
        }
        for (NodeProcess n : nodes) {
            String id = n.awaitReady(READY);
            String host = n.name;
            String[] out = new String[1];
            Waits.until(READY, Duration.ofMillis(500), () -> {
                out[0] = ssh(key, host, sshPort, "mesh:status");
                return out[0].startsWith("0 ");
            }, () -> "no console on " + host + ":" + sshPort + ": " + out[0] + "\n" + n.log());
            assertTrue(out[0].contains(id), host + " answers for its own node " + id + ": " + out[0]);
            assertTrue(n.logLines("SSH console listening on " + host + ":" + sshPort, "host from listen").size() == 1,
                n.log().toString());
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(n.home.resolve("data"))));
        }
    }

    /** @return the exit status, a space, and what ssh printed */
    private static String ssh(Path key, String host, int port, String command) {
        try {
            Path out = Files.createTempFile("ssh", ".out");
            try {
                Process p = new ProcessBuilder(SSH.toString(), "-F", "none", "-o", "StrictHostKeyChecking=no", "-o",
                    "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o",
                    "ConnectTimeout=5", "-i", key.toString(), "-p", String.valueOf(port), "meshnode@" + host, command)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start();
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    return "timeout";
                }
                return p.exitValue() + " " + Files.readString(out);
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (Exception e) {
            return e.toString();
        }
    }
}
