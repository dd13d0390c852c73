package io.meshnode.itest;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One node of the exported distribution (node/target/meshnode.jar) as a separate JVM without a terminal, for
 * in-framework tests that need real peers. Its output is read by a thread into a queue the test polls against
 * deadlines, and kept whole for failure messages.
 */
final class NodeRunner implements AutoCloseable {
    static final Pattern READY = Pattern.compile("meshnode ready: node (\\S+) listening on (\\S+)");
    // Compared by identity: no line read from the process is this object.
    private static final String EOF = new String("<eof>");

    final Path home;
    final Process process;
    final StringBuffer transcript = new StringBuffer();
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

    /**
     * Starts a node.
     *
     * @param jar the distribution jar
     * @param home its node home; {@code etc/} files are written before the start
     * @param cwd the working directory
     * @param cfg file name (in {@code etc/}) → contents
     */
    NodeRunner(Path jar, Path home, Path cwd, java.util.Map<String, String> cfg) throws IOException {
        this.home = home;
        Path etc = Files.createDirectories(home.resolve("etc"));
        // No SSH console unless a test asks for one: test nodes would all want 127.0.0.1:7801.
        Files.writeString(etc.resolve("meshnode.ssh.cfg"), "enabled = false\n");
        // Nor a metrics endpoint: they would all want 127.0.0.1:7802.
        Files.writeString(etc.resolve("meshnode.metrics.cfg"), "enabled = false\n");
        for (java.util.Map.Entry<String, String> e : cfg.entrySet()) {
            Files.writeString(etc.resolve(e.getKey()), e.getValue());
        }
        process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx64m", "-jar", jar.toString(), "--home", home.toString())
            .directory(Files.createDirectories(cwd).toFile())
            .redirectErrorStream(true)
            .start();
        process.getOutputStream().close(); // stdin at EOF, like `< /dev/null`: headless
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    transcript.append(line).append('\n');
                    lines.add(line);
                }
            } catch (IOException e) {
                transcript.append("<reading the output failed: ").append(e).append(">\n");
            } finally {
                lines.add(EOF);
            }
        }, "meshnode output " + home.getFileName());
        reader.setDaemon(true);
        reader.start();
    }

    /** @return the ready line's match: group 1 the node id, group 2 the listen address */
    Matcher awaitReady(Duration timeout) throws InterruptedException {
        return awaitLine(READY, timeout);
    }

    Matcher awaitLine(Pattern pattern, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (long left; (left = deadline - System.nanoTime()) > 0; ) {
            String line = lines.poll(left, TimeUnit.NANOSECONDS);
            if (line == EOF) {
                lines.add(EOF);
                return fail("output ended without a line matching '" + pattern + "':\n" + transcript);
            }
            if (line != null) {
                Matcher matcher = pattern.matcher(line);
                if (matcher.find()) {
                    return matcher;
                }
            }
        }
        return fail("no line matching '" + pattern + "' within " + timeout + ":\n" + transcript);
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
