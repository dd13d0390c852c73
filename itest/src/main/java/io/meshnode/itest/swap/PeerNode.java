package io.meshnode.itest.swap;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * A node process from the exported jar (node/target/meshnode.jar), headless, peered with the framework
 * under test. The test judges it only by what it writes to its log.
 */
final class PeerNode implements AutoCloseable {
    final String listen;
    final Path home;
    private final Map<String, Map<String, String>> files = new TreeMap<>();
    private Process process;

    PeerNode(Path home, String listen) {
        this.home = home;
        this.listen = listen;
        // The framework under test is added by host:port (its id is known only once it runs), and test nodes
        // need no SSH console (they would all want 127.0.0.1:7801).
        with("mesh", "admit", "any");
        with("ssh", "enabled", "false");
    }

    /** Sets {@code key = value} in {@code etc/meshnode.<file>.cfg}. */
    PeerNode with(String file, String key, String value) {
        files.computeIfAbsent(file, f -> new TreeMap<>()).put(key, value);
        return this;
    }

    PeerNode start(Path jar) throws IOException {
        Path etc = Files.createDirectories(home.resolve("etc"));
        for (Map.Entry<String, Map<String, String>> f : files.entrySet()) {
            StringBuilder cfg = new StringBuilder();
            f.getValue().forEach((k, v) -> cfg.append(k).append('=').append(v).append('\n'));
            Files.writeString(etc.resolve("meshnode." + f.getKey() + ".cfg"), cfg);
        }
        process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx96m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Dmeshnode.console=false",
            "-jar", jar.toString(), "--home", home.toString())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectOutput(home.resolve("stdout.txt").toFile())
            .redirectErrorStream(true)
            .start();
        return this;
    }

    boolean alive() {
        return process.isAlive();
    }

    /** @return the node id from the ready line, or {@code null} before it */
    String readyId() {
        for (String line : read(home.resolve("stdout.txt"))) {
            int at = line.indexOf("meshnode ready: node ");
            if (at >= 0) {
                return line.substring(at + "meshnode ready: node ".length()).split(" ")[0];
            }
        }
        return null;
    }

    /** @return the process id, to tell that a swap happened in the same process */
    long pid() {
        return process.pid();
    }

    /** Sends SIGTERM and waits for the process to end. @return its exit status, or -1 if it did not end in time */
    int terminate(java.time.Duration within) throws InterruptedException {
        process.destroy();
        return process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
    }

    /** @return lines of the node's standard output containing every fragment */
    List<String> outLines(String... fragments) {
        return read(home.resolve("stdout.txt")).stream()
            .filter(l -> List.of(fragments).stream().allMatch(l::contains))
            .toList();
    }

    /** @return lines of the node's log containing every fragment */
    List<String> logLines(String... fragments) {
        return read(home.resolve("data/log/meshnode.log")).stream()
            .filter(l -> List.of(fragments).stream().allMatch(l::contains))
            .toList();
    }

    private static List<String> read(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file) : List.of();
        } catch (IOException e) {
            return List.of();
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    @Override
    public String toString() {
        return "peer@" + listen;
    }
}
