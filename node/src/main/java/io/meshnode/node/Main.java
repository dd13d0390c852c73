package io.meshnode.node;

import java.lang.reflect.InvocationTargetException;
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
    private static final String USAGE = String.join(System.lineSeparator(),
        "Usage: java -jar meshnode.jar [--home <dir>]",
        "  --home <dir>  node home (default: system property meshnode.home, else ./meshnode-home);",
        "                configuration is read from <dir>/etc/*.cfg, state is kept in <dir>/data");

    private Main() {}

    public static void main(String[] args) throws Throwable {
        String home = System.getProperty("meshnode.home", "meshnode-home");
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--help") || arg.equals("-h")) {
                System.out.println(USAGE);
                return;
            } else if (arg.equals("--home") && i + 1 < args.length) {
                home = args[++i];
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
        DeployFolder.prepare(dir);

        System.setProperty("meshnode.home", dir.toString());
        System.setProperty("felix.fileinstall.dir", etc.toString());
        // Gogo reads <gosh.home>/etc/gosh_profile; without it an etc/ folder in the cwd would apply.
        System.setProperty("gosh.home", dir.toString());
        // The launcher empties this folder at every start (launch.keep=false): a clean cache, and no
        // osgi.*.fw folder in java.io.tmpdir.
        System.setProperty("launch.storage.dir", data.resolve("framework").toString());
        // The console (gogo.jline) sits at start level 2 (cnf/framework.bnd). The launcher sets the
        // framework to the beginning level only after starting the bundles, which would undo
        // shell.commands raising it; so the beginning level is chosen here, by the same rule.
        if (interactive()) {
            System.setProperty("org.osgi.framework.startlevel.beginning", "2");
        }
        // This process is the node: node.runtime stops the framework cleanly on SIGTERM (NodeMain). Frameworks
        // launched otherwise (Karaf, test runners) stop themselves.
        System.setProperty("meshnode.stop.on.signal", "true");

        try {
            Class.forName("aQute.launcher.pre.EmbeddedLauncher")
                .getMethod("main", String[].class)
                .invoke(null, (Object) new String[0]);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /**
     * data/ holds the node key, the SSH host key and the framework's storage, where Config Admin keeps its copy of
     * every configuration (the console password's hash among them): only the node's user may enter it. Created so;
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

    /** {@code meshnode.console=true|false} if set, else whether a terminal is attached. */
    private static boolean interactive() {
        String console = System.getProperty("meshnode.console", "").trim();
        return console.equalsIgnoreCase("true")
            || !console.equalsIgnoreCase("false") && System.console() != null;
    }
}
