package io.meshnode.node;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Entry point of meshnode.jar: settles the node home, then hands over to the bnd launcher.
 * Everything the framework needs from the home is passed as system properties, which Felix
 * falls back to for keys the launch properties do not set; run properties cannot carry them
 * because bnd expands them at build time.
 */
public final class Main {
    /** The framework's last start level (cnf/framework.bnd, node/meshnode.bndrun): 3, the operators' tools. */
    static final int BEGINNING_LEVEL = 3;
    private static final String USAGE = String.join(System.lineSeparator(),
        "Usage: java -jar meshnode.jar [--home <dir>] [--id]",
        "  --home <dir>  node home (default: system property meshnode.home, else ./meshnode-home);",
        "                configuration is read from <dir>/etc/*.cfg, state is kept in <dir>/data",
        "  --id          print the node id and key fingerprint (creating the node key in <dir>/data if there",
        "                is none, as the first start would), then exit");

    private Main() {}

    public static void main(String[] args) throws Throwable {
        String home = System.getProperty("meshnode.home", "meshnode-home");
        boolean printId = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--help") || arg.equals("-h")) {
                System.out.println(USAGE);
                return;
            } else if (arg.equals("--home") && i + 1 < args.length) {
                home = args[++i];
            } else if (arg.equals("--id")) {
                printId = true;
            } else if (arg.startsWith("--home=")) {
                home = arg.substring("--home=".length());
            } else {
                System.err.println("meshnode: unexpected argument '" + arg + "'");
                System.err.println(USAGE);
                System.exit(2);
            }
        }

        Path dir = Path.of(home).toAbsolutePath().normalize();
        Path etc = Files.createDirectories(dir.resolve("etc"));
        Path data = ownerOnly(dir.resolve("data"));
        if (printId) {
            NodeKey key = NodeKey.loadOrCreate(data);
            System.out.println("node " + key.id());
            System.out.println("key  " + key.fingerprint());
            return;
        }
        DeployFolder.prepare(dir);
        Path tmp = emptied(data.resolve("tmp"));

        System.setProperty("meshnode.home", dir.toString());
        System.setProperty("felix.fileinstall.dir", etc.toString());
        // FileInstall copies what it installs into a fileinstall-<n> folder, by default in java.io.tmpdir, one per
        // start and never removed: inside the home instead, emptied at every start. The deploy/ watcher's own
        // configuration names it too (DeployFolder), since FileInstall reads it per watcher.
        System.setProperty("felix.fileinstall.tmpdir", tmp.toString());
        // Gogo reads <gosh.home>/etc/gosh_profile; without it an etc/ folder in the cwd would apply.
        System.setProperty("gosh.home", dir.toString());
        // The framework's cache is kept from one start to the next while the jar stays the same build: its bundles
        // are not installed again at every start (ShippedBundles keeps it to what this build ships).
        Launch launch = Launch.fromJar() ? Launch.prepare(data) : null;
        if (launch != null) {
            System.setProperty("launch.storage.dir", launch.cache().toString());
            System.setProperty("launch.keep", "true");
            System.setProperty("org.osgi.framework.storage.clean", "none");
        } else {
            // The runtime image (README, "JPMS"): nothing to unpack, and its own launcher (module io.meshnode.image)
            // starts the framework through Atomos from the image's modules, emptying this cache at every start.
            System.setProperty("launch.storage.dir", data.resolve("framework").toString());
        }
        // Config Admin's copy of the configuration, rebuilt from etc/ at every start as on an empty cache: a
        // configuration made without a file lasts one run, and none is found again after its file is gone.
        System.setProperty("felix.cm.dir", Files.createDirectories(tmp.resolve("config")).toString());
        // Start levels (cnf/framework.bnd, node/meshnode.bndrun): 1 the mesh and everything it needs, 2 the interactive
        // console (gogo.jline), 3 the operators' tools (JMX, metrics, SSH console). The launcher raises the framework
        // to 3 once it has started the level-1 bundles, so the mesh listens before the tools start and the console
        // (after the mesh commands, which are at 1) before them. Without a terminal the console is kept from starting
        // (ConsoleSwitch); shell.commands' ConsoleStarter follows the same decision.
        boolean console = interactive();
        System.setProperty("meshnode.console", String.valueOf(console));
        System.setProperty("org.osgi.framework.startlevel.beginning", Integer.toString(BEGINNING_LEVEL));
        System.setProperty("launch.activators",
            "io.meshnode.node.launch.ShippedBundles,io.meshnode.node.launch.ConsoleSwitch");
        // This process is the node: node.runtime stops the framework cleanly on SIGTERM (NodeMain). Frameworks
        // launched otherwise (Karaf, test runners) stop themselves.
        System.setProperty("meshnode.stop.on.signal", "true");

        if (launch != null) {
            launch.run();
        } else {
            Launch.runImage();
        }
    }

    /**
     * data/ holds the node key, the SSH host key, the framework's cache and Config Admin's copy of every configuration
     * (the console password's hash among them): only the node's user may enter it. Created so;
     * an existing one open to others is closed, and said so.
     */
    private static Path ownerOnly(Path data) throws java.io.IOException {
        java.util.Set<PosixFilePermission> owner = PosixFilePermissions.fromString("rwx------");
        if (!Files.isDirectory(data)) {
            try {
                return Files.createDirectories(data, PosixFilePermissions.asFileAttribute(owner));
            } catch (UnsupportedOperationException e) {
                return Files.createDirectories(data); // not a POSIX file system
            }
        }
        try {
            java.util.Set<PosixFilePermission> perms = Files.getPosixFilePermissions(data);
            if (!owner.containsAll(perms)) {
                Files.setPosixFilePermissions(data, owner);
                System.err.println("meshnode: " + data + " was open to other users ("
                    + PosixFilePermissions.toString(perms) + "); made it owner-only (rwx------)");
            }
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system
        }
        return data;
    }

    /** {@code dir}, created empty: whatever an earlier run left in it is deleted. */
    private static Path emptied(Path dir) throws java.io.IOException {
        Launch.deleteAll(dir, true);
        return Files.createDirectories(dir);
    }

    /** {@code meshnode.console=true|false} if set, else whether a terminal is attached. */
    private static boolean interactive() {
        String console = System.getProperty("meshnode.console", "").trim();
        return console.equalsIgnoreCase("true")
            || !console.equalsIgnoreCase("false") && System.console() != null;
    }
}
