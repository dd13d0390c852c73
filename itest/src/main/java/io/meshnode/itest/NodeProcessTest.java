package io.meshnode.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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
    // Written by node's StopOnSignal once the framework has stopped.
    private static final String STOPPED = "meshnode stopped";
    // A JVM ends with 128 + signal number after a signal, even when its shutdown hooks ran fine.
    private static final int EXIT_SIGTERM = 128 + 15;

    @Test
    void startsHeadlessAndStopsCleanlyOnSigterm(@InjectBundleContext BundleContext context, @TempDir Path tmp)
        throws Exception {
        Path jar = Path.of(context.getProperty("meshnode.itest.jar"));
        assertTrue(Files.isRegularFile(jar), jar + " missing: build the node module first");

        Path cwd = tmp.resolve("cwd");
        int port = NodeRunner.freePort();
        try (NodeRunner node = new NodeRunner(jar, tmp.resolve("home"), cwd,
            Map.of("meshnode.mesh.cfg", "listen=127.0.0.1:" + port + "\n"))) {
            Matcher ready = node.awaitReady(READY_TIMEOUT);
            assertEquals("127.0.0.1:" + port, ready.group(2), "listen address from etc/meshnode.mesh.cfg");

            node.process.toHandle().destroy(); // SIGTERM; Process.destroy() would also close the output we still read
            assertTrue(node.process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS),
                "still running " + STOP_TIMEOUT + " after SIGTERM:\n" + node.transcript);
            int status = node.process.exitValue();
            assertTrue(status == EXIT_SIGTERM || status == 0, "exit status " + status + ":\n" + node.transcript);
            node.awaitLine(Pattern.compile(Pattern.quote(STOPPED)), STOP_TIMEOUT);

            try (Stream<Path> stray = Files.list(cwd)) {
                assertEquals(List.of(), stray.toList(), "files left in the working directory");
            }
        }
    }
}
