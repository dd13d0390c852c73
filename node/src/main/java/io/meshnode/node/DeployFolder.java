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

    /**
     * The framework's start level from which deploy/ is read: the last one, which the launcher reaches once it has
     * started the shipped bundles below it. A newer version of a shipped bundle dropped into deploy/ then starts after
     * the shipped one and replaces it as in a live swap (node.runtime's DeployUpgrades), instead of racing it at a
     * node start (two meshes on one listen address were seen when FileInstall won).
     */
    static final int ACTIVE_LEVEL = Main.BEGINNING_LEVEL;

    /** How the watcher scans: from the last start level, not at once (no initial scan beside the launcher). */
    private static final String SCAN = String.join("\n",
        "felix.fileinstall.noInitialDelay = false",
        "felix.fileinstall.active.level = " + ACTIVE_LEVEL);
    /** How earlier versions wrote it: a watcher file equal to theirs is rewritten. */
    private static final String OLD_SCAN = "felix.fileinstall.noInitialDelay = true";

    static void prepare(Path home) throws IOException {
        Files.createDirectories(home.resolve("deploy"));
        Path cfg = home.resolve("etc").resolve(CONFIG);
        if (Files.exists(cfg) && !Files.readString(cfg).equals(text(OLD_SCAN))) {
            return; // the operator's own (or this version's) watcher
        }
        Files.writeString(cfg, text(SCAN));
    }

    private static String text(String scan) {
        return String.join("\n",
            "# Watches <home>/deploy for bundles: drop a jar to install and start it, replace it (same file name)",
            "# to update the bundle, remove it to uninstall. Delete this file to stop watching deploy/.",
            "felix.fileinstall.dir = ${meshnode.home}/deploy",
            "felix.fileinstall.filter = .*\\\\.jar",
            "felix.fileinstall.poll = 1000",
            scan,
            "felix.fileinstall.bundles.new.start = true",
            "felix.fileinstall.log.level = 2",
            "felix.fileinstall.tmpdir = ${meshnode.home}/data/tmp",
            "");
    }
}
