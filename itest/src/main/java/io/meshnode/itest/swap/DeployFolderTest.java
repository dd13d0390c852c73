package io.meshnode.itest.swap;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Version;
import org.osgi.test.common.annotation.InjectBundleContext;

/**
 * {@code deploy/} of a node process from the exported jar: drop, replace with a newer build, drop a
 * bundle that cannot resolve, remove. The node's log shows each retry provider swap as one line.
 */
class DeployFolderTest {
    private static final Duration READY = Duration.ofSeconds(60);
    private static final Duration SCANNED = Duration.ofSeconds(20);
    private static final String EXAMPLE = "→ io.meshnode.examples.retry.fixed.FixedRetryPolicy (examples.retry.fixed ";
    private static final String DEFAULT = "→ io.meshnode.retry.internal.RetryPolicyComponent (policy.retry ";

    @Test
    void jarsDroppedReplacedAndRemovedAreInstalledUpdatedAndUninstalled(@InjectBundleContext BundleContext context,
        @TempDir Path tmp) throws Exception {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        String listen = "127." + r.nextInt(201, 250) + "." + r.nextInt(1, 250) + ".20:" + r.nextInt(20_000, 40_000);
        Path example = Await.exampleJar(context, "retry.fixed");
        try (PeerNode node = new PeerNode(tmp.resolve("home"), listen).with("mesh", "listen", listen)) {
            node.start(Path.of(context.getProperty("meshnode.itest.jar")));
            Await.until(READY, () -> node.readyId() != null || !node.alive(), () -> "ready line");
            Path deploy = node.home.resolve("deploy");
            assertTrue(Files.isDirectory(deploy), "deploy/ created at start");

            Path dropped = deploy.resolve("retry-example.jar");
            place(Files.newInputStream(example), dropped);
            Await.until(SCANNED, () -> !node.logLines("retry provider:", EXAMPLE).isEmpty(), () -> node.logLines("provider").toString());

            Version newer = Rebuilt.next(Rebuilt.version(example), "newer");
            place(Rebuilt.withVersion(example, newer), dropped);
            Await.until(SCANNED, () -> !node.logLines("retry provider:", EXAMPLE + newer + ",").isEmpty(),
                () -> node.logLines("provider").toString());

            Path bad = deploy.resolve("unresolvable.jar");
            place(unresolvable(), bad);
            Await.until(SCANNED, () -> !node.logLines("unresolvable.jar", "missing requirement", "com.example.missing").isEmpty(),
                () -> node.logLines("WARN").toString());
            assertTrue(node.alive(), "the node keeps running");
            assertTrue(lastSwap(node).contains(EXAMPLE + newer + ","), "the newer example still bound: " + lastSwap(node));
            int swaps = node.logLines("retry provider:").size();

            Files.delete(dropped);
            Await.until(SCANNED, () -> node.logLines("retry provider:").size() > swaps && lastSwap(node).contains(DEFAULT),
                () -> node.logLines("provider").toString());

            // A newer build of a platform bundle: it replaces the running version, and hands back when removed.
            Path platform = Await.builtJar(context, "policy.retry", "policy.retry");
            Version original = Rebuilt.version(platform);
            Version upgrade = Rebuilt.next(original, "upgrade");
            Path upgraded = deploy.resolve("policy.retry-upgrade.jar");
            place(Rebuilt.withVersion(platform, upgrade), upgraded);
            Await.until(SCANNED, () -> lastSwap(node).contains(DEFAULT + upgrade + ","), () -> node.logLines("provider").toString());
            assertTrue(!node.logLines("deploy/: policy.retry " + upgrade + " replaces").isEmpty(), node.logLines("deploy").toString());
            Files.delete(upgraded);
            Await.until(SCANNED, () -> lastSwap(node).contains(DEFAULT + original + ","),
                () -> node.logLines("provider").toString());
        }
    }

    private static String lastSwap(PeerNode node) {
        List<String> lines = node.logLines("retry provider:");
        return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
    }

    /** Written next to the target and moved, so the scanner never sees half a jar. */
    private static void place(InputStream content, Path target) throws Exception {
        Path tmp = target.resolveSibling(target.getFileName() + ".part");
        try (InputStream in = content) {
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
        }
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static InputStream unresolvable() throws Exception {
        Manifest m = new Manifest(new java.io.ByteArrayInputStream(String.join("\n",
            "Manifest-Version: 1.0", "Bundle-ManifestVersion: 2", "Bundle-SymbolicName: itest.unresolvable",
            "Bundle-Version: 1.0.0", "Import-Package: com.example.missing;version=\"[1,2)\"", "", "")
            .getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        new JarOutputStream(bytes, m).close();
        return new java.io.ByteArrayInputStream(bytes.toByteArray());
    }
}
