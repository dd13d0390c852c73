package io.meshnode.itest.swap;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;
import org.osgi.test.common.annotation.InjectBundleContext;

/**
 * A node process keeps what its peers' next decisions depend on across a restart ({@code data/mesh.state}): a
 * parked peer comes back parked, with its failures, and is not dialed; a damaged state file is reported and the node
 * starts without it.
 */
class RestartStateTest {
    private static final Duration READY = Duration.ofSeconds(60);

    @Test
    void aParkedPeerStaysParkedAcrossARestartAndADamagedStateFileIsReported(@InjectBundleContext BundleContext context,
        @TempDir Path tmp) throws Exception {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        String net = "127." + r.nextInt(201, 250) + "." + r.nextInt(1, 250) + ".";
        int port = r.nextInt(20_000, 40_000);
        String listen = net + "41:" + port;
        String dead = net + "42:" + port; // nobody listens there
        Path jar = Path.of(context.getProperty("meshnode.itest.jar"));
        try (PeerNode node = new PeerNode(tmp.resolve("a"), listen).with("mesh", "listen", listen).with("mesh", "peers", dead)
            .with("retry", "initial", "100ms").with("retry", "max", "200ms").with("retry", "giveup.masternode", "2")
            .with("retry", "probe", "1h")) {
            node.start(jar);
            Await.until(READY, () -> !node.logLines("giving up fast retries of " + dead).isEmpty(), () -> node.logLines(dead)
                .toString());
            assertTrue(node.terminate(Duration.ofSeconds(20)) >= 0, "stopped");
            assertTrue(Files.exists(node.home.resolve("data/mesh.state")), "state written at the stop");
            int dials = node.logLines(dead, "→ CONNECTING").size();

            node.start(jar);
            Await.until(READY, () -> node.outLines("meshnode ready:").size() == 1 && !node.logLines("peer " + dead, "resumed")
                .isEmpty(), () -> node.logLines(dead).toString());
            assertTrue(!node.logLines("picked up the state of 1 peers").isEmpty(), node.logLines("state").toString());
            assertTrue(!node.logLines("peer " + dead, "→ PARKED: resumed: 2 failures, parked").isEmpty(),
                node.logLines(dead).toString());
            assertTrue(node.logLines(dead, "→ CONNECTING").size() == dials, "not dialed again: " + node.logLines(dead));
            assertTrue(node.terminate(Duration.ofSeconds(20)) >= 0, "stopped");

            Files.writeString(node.home.resolve("data/mesh.state"), "savedAt=yesterday\npeer.x.failures=many\n");
            node.start(jar);
            Await.until(READY, () -> node.outLines("meshnode ready:").size() == 1, () -> "ready");
            Await.until(READY, () -> !node.logLines("ERROR", "cannot read", "mesh.state", "starting without it").isEmpty(),
                () -> node.logLines("mesh.state").toString());
            assertTrue(node.alive(), "the node runs on");
        }
    }
}
