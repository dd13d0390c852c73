package io.meshnode.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code <home>/deploy}, watched by Felix FileInstall: a jar dropped there is installed and started, a
 * changed jar (a newer build under the same file name) updates its bundle, a removed jar uninstalls
 * it; a bundle that cannot resolve is logged with its missing requirement and nothing else changes.
 * FileInstall watches more folders through factory configurations of its own PID, so the watcher is
 * one file in {@code etc/} that the operator can edit or delete (written only when absent).
 */
final class DeployFolder {
    static final String CONFIG = "org.apache.felix.fileinstall-deploy.cfg";

    private DeployFolder() {}

    static void prepare(Path home) throws IOException {
        Files.createDirectories(home.resolve("deploy"));
        Path cfg = home.resolve("etc").resolve(CONFIG);
        if (Files.exists(cfg)) {
            return;
        }
        Files.writeString(cfg, String.join("\n",
            "# Watches <home>/deploy for bundles: drop a jar to install and start it, replace it (same file name)",
            "# to update the bundle, remove it to uninstall. Delete this file to stop watching deploy/.",
            "felix.fileinstall.dir = ${meshnode.home}/deploy",
            "felix.fileinstall.filter = .*\\\\.jar",
            "felix.fileinstall.poll = 1000",
            "felix.fileinstall.noInitialDelay = true",
            "felix.fileinstall.bundles.new.start = true",
            "felix.fileinstall.log.level = 2",
            "felix.fileinstall.tmpdir = ${meshnode.home}/data/tmp",
            ""));
    }
}
