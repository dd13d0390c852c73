package io.meshnode.itest.swap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Version;
import org.osgi.test.common.annotation.InjectBundleContext;

/**
 * The node runtime outlives the mesh: a newer mesh.core dropped into {@code deploy/} of a node process replaces
 * the running one in that process (its peer sees a goodbye that is no failure and gets its link back), the log
 * file records the whole swap, removing the jar brings the original back, and a SIGTERM in the middle of a swap
 * still stops the node cleanly.
 */
class MeshCoreDeployTest {
    private static final Duration READY = Duration.ofSeconds(60);
    private static final Duration SWAP = Duration.ofSeconds(30);

    @Test
    void aNewerMeshCoreInDeployReplacesTheRunningOneAndTheOlderComesBack(@InjectBundleContext BundleContext context,
        @TempDir Path tmp) throws Exception {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        String net = "127." + r.nextInt(201, 250) + "." + r.nextInt(1, 250) + ".";
        int port = r.nextInt(20_000, 40_000);
        String a = net + "31:" + port;
        String b = net + "32:" + port;
        Path jar = Path.of(context.getProperty("meshnode.itest.jar"));
        try (PeerNode nodeA = new PeerNode(tmp.resolve("a"), a).with("mesh", "listen", a).with("mesh", "peers", b);
            // B calls a link stable after half a second: the swaps below follow one another within seconds, and
            // each is a goodbye ("mesh restarting"), which B would otherwise count toward its rule for a peer that
            // keeps saying goodbye before its links are stable (five in a row count as a failure).
            PeerNode nodeB = new PeerNode(tmp.resolve("b"), b).with("mesh", "listen", b).with("mesh", "peers", a)
                .with("retry", "stable", "500ms")) {
            nodeA.start(jar);
            nodeB.start(jar);
            Await.until(READY, () -> nodeA.readyId() != null && nodeB.readyId() != null, () -> "ready lines");
            // A first contact between peers whose ids are not known yet may settle a duplicate (a held inbound link):
            // the swaps below are counted from here.
            Await.until(READY, () -> connections(nodeB, a) >= 1, () -> nodeB.logLines(a).toString());
            int base = connections(nodeB, a);
            long pid = nodeA.pid();

            Path original = Await.builtJar(context, "mesh.core", "mesh.core");
            Version upgrade = Rebuilt.next(Rebuilt.version(original), "upgrade");
            Path dropped = nodeA.home.resolve("deploy").resolve("mesh.core-upgrade.jar");
            place(Rebuilt.withVersion(original, upgrade), dropped);
            Await.until(SWAP, () -> !nodeA.logLines("deploy/: mesh.core " + upgrade + " replaces").isEmpty()
                && connections(nodeB, a) > base, () -> nodeA.logLines("mesh").toString() + nodeB.logLines(a));
            int swapped = connections(nodeB, a);
            assertEquals(pid, nodeA.pid(), "same process");
            assertTrue(nodeA.alive());
            // The whole swap is in the one log file: the old mesh's goodbye, the new mesh's start and link. The log is
            // written by the Log Service's own thread, a moment after the link the peer already saw: waited for.
            Await.until(SWAP, () -> !nodeA.logLines("the mesh restarted while the node stayed up").isEmpty(),
                () -> nodeA.logLines("mesh").toString());
            assertTrue(!nodeB.logLines("link to", a, "closed: ADMIN", "mesh restarting").isEmpty(), nodeB.logLines(a).toString());
            assertEquals(1, nodeA.outLines("meshnode ready:").size(), "the ready line is printed once per process");

            Files.delete(dropped);
            Await.until(SWAP, () -> !nodeA.logLines("removed from deploy/: starting mesh.core").isEmpty()
                && connections(nodeB, a) > swapped, () -> nodeA.logLines("mesh").toString() + nodeB.logLines(a));
            assertTrue(nodeB.logLines("link to", a, "lost").isEmpty(), "no failure seen by the peer: " + nodeB.logLines(a));

            // SIGTERM while the next swap is under way: the node still stops cleanly, saying goodbye.
            place(Rebuilt.withVersion(original, upgrade), dropped);
            Await.until(SWAP, () -> nodeA.logLines("deploy/: mesh.core " + upgrade + " replaces").size() == 2,
                () -> nodeA.logLines("deploy").toString());
            int status = nodeA.terminate(Duration.ofSeconds(20));
            assertTrue(status == 0 || status == 143, "exit status " + status);
            assertTrue(!nodeA.outLines("meshnode stopped").isEmpty(), "clean stop: " + nodeA.outLines(""));
            // The peer's last word on the link is a goodbye: "mesh restarting" (a close, no failure) when the signal
            // came while the old mesh was gone and the new one not yet linked; "node shutting down" when the new mesh
            // had linked already (a peer that leaves counts as a failure for the retry policy, by design). Never a
            // link lost without a word (a timeout, a reset).
            Await.until(SWAP, () -> saidGoodbye(lastLinkLine(nodeB, a)), () -> nodeB.logLines(a).toString());
            assertEquals(List.of(), nodeB.logLines("link to", a, "lost").stream()
                .filter(l -> !l.contains("peer: node shutting down")).toList(), "links lost without a goodbye");

            // A restart with the newer mesh.core still in deploy/, the way a node is upgraded for good: the deployed
            // version replaces the shipped one, and never do two meshes run side by side (they would share the listen
            // address and the identity). deploy/ is read once the shipped bundles have started, so the peer may see
            // the shipped mesh's link for a moment and then a goodbye ("mesh restarting"); after the several swaps
            // above within seconds its quick-close rule may count that as a failure, which is not what is judged here.
            int logged = nodeA.logLines("").size();
            int linked = connections(nodeB, a);
            nodeA.start(jar);
            Await.until(READY, () -> nodeA.readyId() != null, () -> nodeA.outLines("").toString());
            Await.until(SWAP, () -> since(nodeA, logged, "deploy/: mesh.core " + upgrade).size() >= 1
                && connections(nodeB, a) > linked, () -> since(nodeA, logged, "mesh").toString() + nodeB.logLines(a));
            Await.until(SWAP, () -> since(nodeA, logged, "the mesh restarted while the node stayed up").size()
                + since(nodeA, logged, "providers at start").size() >= 1, () -> since(nodeA, logged, "mesh").toString());
            assertEquals(List.of(), since(nodeA, logged, "ERROR"), "errors after the restart");
            assertEquals(List.of(), since(nodeA, logged, "cannot listen"), "two meshes on one listen address");
            assertEquals(1, since(nodeA, logged, "deploy/: mesh.core " + upgrade + " replaces").size(),
                since(nodeA, logged, "deploy/").toString());
        }
    }

    /** @return the lines of {@code node}'s log after its first {@code from} lines that contain {@code fragment} */
    private static List<String> since(PeerNode node, int from, String fragment) {
        List<String> all = node.logLines("");
        return all.subList(Math.min(from, all.size()), all.size()).stream().filter(l -> l.contains(fragment)).toList();
    }

    /** @return how many times {@code node} has connected to the peer at {@code address} */
    private static int connections(PeerNode node, String address) {
        return node.logLines("connected to", address).size();
    }

    /** @return {@code true} if {@code line} records a link that ended with its peer's goodbye */
    private static boolean saidGoodbye(String line) {
        return line.contains(" closed:") || line.contains(" lost:") && line.contains("peer: node shutting down");
    }

    /** @return the last line of {@code node}'s log that connected or closed the link to {@code address} */
    private static String lastLinkLine(PeerNode node, String address) {
        List<String> lines = node.logLines(address).stream()
            .filter(l -> l.contains("connected to") || l.contains("link to")).toList();
        return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
    }

    private static void place(InputStream content, Path target) throws Exception {
        Path part = target.resolveSibling(target.getFileName() + ".part");
        try (InputStream in = content) {
            Files.copy(in, part, StandardCopyOption.REPLACE_EXISTING);
        }
        Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
