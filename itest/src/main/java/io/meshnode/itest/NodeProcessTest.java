package io.meshnode.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
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
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;
import org.osgi.test.common.annotation.InjectBundleContext;

/**
 * The exported distribution (node/target/meshnode.jar) as an operator runs it: a separate JVM without a
 * terminal. It must come up headless, report ready, and stop its framework on SIGTERM.
 */
class NodeProcessTest {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    private static final Pattern READY = Pattern.compile("meshnode ready: node (\\S+) listening on (\\S+)");
    // Written by node's StopOnSignal once the framework has stopped.
    private static final String STOPPED = "meshnode stopped";
    // A JVM ends with 128 + signal number after a signal, even when its shutdown hooks ran fine.
    private static final int EXIT_SIGTERM = 128 + 15;
    // Compared by identity: no line read from the process is this object.
    private static final String EOF = new String("<eof>");

    @Test
    void startsHeadlessAndStopsCleanlyOnSigterm(@InjectBundleContext BundleContext context, @TempDir Path tmp)
        throws Exception {
        Path jar = Path.of(context.getProperty("meshnode.itest.jar"));
        assertTrue(Files.isRegularFile(jar), jar + " missing: build the node module first");

        Path home = tmp.resolve("home");
        Path cwd = Files.createDirectories(tmp.resolve("cwd"));
        int port = freePort();
        Files.writeString(Files.createDirectories(home.resolve("etc")).resolve("meshnode.mesh.cfg"),
            "listen=127.0.0.1:" + port + "\n");

        Process node = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-jar", jar.toString(), "--home", home.toString())
            .directory(cwd.toFile())
            .redirectErrorStream(true)
            .start();
        StringBuffer transcript = new StringBuffer();
        BlockingQueue<String> lines = readLines(node, transcript);
        try {
            node.getOutputStream().close(); // stdin at EOF, like `< /dev/null`

            Matcher ready = awaitLine(lines, READY, READY_TIMEOUT, transcript);
            assertEquals("127.0.0.1:" + port, ready.group(2), "listen address from etc/meshnode.mesh.cfg");

            node.toHandle().destroy(); // SIGTERM; Process.destroy() would also close the output we still read
            assertTrue(node.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS),
                "still running " + STOP_TIMEOUT + " after SIGTERM:\n" + transcript);
            int status = node.exitValue();
            assertTrue(status == EXIT_SIGTERM || status == 0, "exit status " + status + ":\n" + transcript);
            awaitLine(lines, Pattern.compile(Pattern.quote(STOPPED)), STOP_TIMEOUT, transcript);

            try (Stream<Path> stray = Files.list(cwd)) {
                assertEquals(List.of(), stray.toList(), "files left in the working directory");
            }
        } finally {
            node.destroyForcibly();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    // Reading blocks, so a reader thread feeds a queue the test can poll against a deadline.
    private static BlockingQueue<String> readLines(Process process, StringBuffer transcript) {
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
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
        }, "meshnode output");
        reader.setDaemon(true);
        reader.start();
        return lines;
    }

    private static Matcher awaitLine(BlockingQueue<String> lines, Pattern pattern, Duration timeout,
        StringBuffer transcript) throws InterruptedException {
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
}
