package io.meshnode.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.ServiceLoader;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;

import org.apache.felix.atomos.Atomos;
import org.apache.felix.atomos.AtomosContent;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.connect.ConnectFrameworkFactory;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.framework.startlevel.FrameworkStartLevel;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.util.tracker.ServiceTracker;

/**
 * Launches the node in the runtime image: the same run as bnd's launcher in {@code meshnode.jar}, read from the same
 * {@code launcher.properties} (copied into {@code <image>/meshnode/} by make-image.sh), with the framework made by
 * Apache Felix Atomos. The platform's jars are modules of the image: Atomos connects each one as a bundle whose classes
 * the module's class loader loads. Meshnode's own bundles are ordinary bundles, installed from
 * {@code <image>/meshnode/bundles/} and loaded by the framework, so that they can be updated and refreshed as in the jar.
 * <p>
 * What it keeps of bnd's launcher: the framework properties (the {@code launch.*} keys excluded) with a system property
 * of the same name winning; {@code launch.storage.dir} as the framework's storage, emptied at start unless
 * {@code launch.keep=true}; the bundles of {@code launch.bundles} installed and started in that order, at the start
 * level {@code launch.runbundles.attrs} gives them ({@code launch.startlevel.default} otherwise), with their activation
 * policy; the beginning start level applied once they are started; the main-thread service (a {@code Callable} with
 * {@code main.thread=true}) called on this thread, its result the exit status, 198 meaning "wait for the next one";
 * exit status 117 when the framework stops without one.
 */
public final class AtomosLauncher {
    /** The main-thread service's "wait for another main-thread service". */
    static final int RELISTEN = 198;
    /** bnd's launcher's exit status when the framework stops and no main-thread service said otherwise. */
    static final int STOPPED = 117;
    /** launcher.properties: the module name of each platform jar, {@code meshnode.image.module.<jar file name>}. */
    static final String MODULE_PREFIX = "meshnode.image.module.";
    private static final long STOP_TIMEOUT_MS = 10_000;

    private AtomosLauncher() {}

    /**
     * Runs the node until its framework stops, then exits the JVM.
     *
     * @param args unused
     * @throws Exception when the framework cannot be launched
     */
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(System.getProperty("meshnode.image.dir",
            Path.of(System.getProperty("java.home"), "meshnode").toString()));
        Properties launch = new Properties();
        try (InputStream in = Files.newInputStream(dir.resolve("launcher.properties"))) {
            launch.load(in);
        }
        Map<String, String> config = new HashMap<>();
        for (String key : launch.stringPropertyNames()) {
            if (!key.startsWith("launch.") && !key.startsWith(MODULE_PREFIX)) {
                config.put(key, System.getProperty(key, launch.getProperty(key)));
            }
        }
        String storage = setting(launch, "launch.storage.dir", null);
        if (storage != null) {
            config.put(Constants.FRAMEWORK_STORAGE, storage);
        }
        if (!Boolean.parseBoolean(setting(launch, "launch.keep", "false"))) {
            config.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        }
        // as bnd's launcher: the framework begins at level 1, the beginning level is set once every bundle started
        int beginning = Integer.parseInt(config.getOrDefault(Constants.FRAMEWORK_BEGINNING_STARTLEVEL, "1").trim());
        config.put(Constants.FRAMEWORK_BEGINNING_STARTLEVEL, "1");
        // Atomos installs every module of the image as a connected bundle, the JDK's too (they export the JDK's
        // packages); it starts none: the platform's are started below, in the launcher's order.
        config.put("atomos.content.start", "false");

        Atomos atomos = Atomos.newAtomos(config);
        // what Atomos.newFramework does, with its connector fixed (PlatformLoaderConnector): the system bundle exports
        // no package of the JDK (Atomos's JDK module bundles do)
        config.putIfAbsent(Constants.FRAMEWORK_SYSTEMPACKAGES, "");
        Framework framework = ServiceLoader.load(ConnectFrameworkFactory.class).findFirst()
            .orElseThrow(() -> new IllegalStateException("no OSGi Connect framework in the image"))
            .newFramework(config, new PlatformLoaderConnector(atomos.getModuleConnector()));
        framework.init();
        BundleContext context = framework.getBundleContext();
        int defaultLevel = Integer.parseInt(setting(launch, "launch.startlevel.default", "1").trim());
        Map<String, Integer> levels = startLevels(setting(launch, "launch.runbundles.attrs", ""));
        List<Bundle> bundles = new ArrayList<>();
        for (String entry : setting(launch, "launch.bundles", "").split(",")) {
            String jar = entry.trim().substring(entry.trim().lastIndexOf('/') + 1);
            if (jar.isEmpty()) {
                continue;
            }
            String module = launch.getProperty(MODULE_PREFIX + jar);
            Bundle b = module != null ? connected(atomos, module, jar) : installed(context, dir.resolve("bundles").resolve(jar));
            b.adapt(BundleStartLevel.class).setStartLevel(levels.getOrDefault(b.getSymbolicName(), defaultLevel));
            bundles.add(b);
        }
        // As node's ConsoleSwitch does under bnd's launcher: without a terminal (node's Main sets meshnode.console)
        // the interactive console is not started; on a dumb terminal it would spin.
        boolean console = !"false".equals(System.getProperty("meshnode.console"));
        for (Bundle b : bundles) {
            if (!console && "org.apache.felix.gogo.jline".equals(b.getSymbolicName())) {
                continue;
            }
            if ((b.adapt(BundleRevision.class).getTypes() & BundleRevision.TYPE_FRAGMENT) == 0) {
                try {
                    b.start(Bundle.START_ACTIVATION_POLICY);
                } catch (BundleException e) {
                    System.err.println("meshnode: " + b.getSymbolicName() + " did not start: " + e.getMessage());
                }
            }
        }
        framework.start();
        framework.adapt(FrameworkStartLevel.class).setStartLevel(beginning);
        System.exit(runMainThread(framework));
    }

    /** A launcher setting: the system property of that name, else launcher.properties, else {@code otherwise}. */
    private static String setting(Properties launch, String key, String otherwise) {
        return System.getProperty(key, launch.getProperty(key, otherwise));
    }

    /** {@code bsn;version="1.1.8";startlevel=2,...}: the start level of each bundle that has one. */
    static Map<String, Integer> startLevels(String attrs) {
        Map<String, Integer> levels = new HashMap<>();
        for (String clause : attrs.split(",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)")) {
            String[] parts = clause.split(";");
            for (int i = 1; i < parts.length; i++) {
                String[] kv = parts[i].split("=", 2);
                if (kv.length == 2 && kv[0].trim().equals("startlevel")) {
                    levels.put(parts[0].trim(), Integer.parseInt(kv[1].replace("\"", "").trim()));
                }
            }
        }
        return levels;
    }

    /**
     * The bundle Atomos connected for that module: its location ends with {@code jrt:/<module>} in the image, with the
     * jar's file name on a module path.
     */
    private static Bundle connected(Atomos atomos, String module, String jar) throws BundleException {
        Optional<AtomosContent> content = atomos.getBootLayer().getAtomosContents().stream()
            .filter(c -> c.getAtomosLocation().endsWith("jrt:/" + module) || c.getAtomosLocation().endsWith("/" + jar))
            .findFirst();
        if (content.isEmpty()) {
            throw new BundleException("the image has no module " + module + " (" + jar + "); it has "
                + atomos.getBootLayer().getAtomosContents().stream().map(AtomosContent::getAtomosLocation).sorted().toList());
        }
        Bundle b = content.get().getBundle();
        return b != null ? b : content.get().install();
    }

    /** An ordinary bundle, installed from its file (or the one the kept storage has at that location). */
    private static Bundle installed(BundleContext context, Path jar) throws BundleException, IOException {
        String location = jar.toUri().toString();
        Bundle b = context.getBundle(location);
        if (b != null) {
            return b;
        }
        try (InputStream in = Files.newInputStream(jar)) {
            return context.installBundle(location, in);
        }
    }

    /**
     * Calls each main-thread service in turn, on this thread, as bnd's launcher does; the exit status is what one
     * returns other than {@link #RELISTEN}, or {@link #STOPPED} when the framework stops first.
     */
    private static int runMainThread(Framework framework) throws InterruptedException, InvalidSyntaxException {
        BlockingQueue<Optional<Callable<?>>> next = new LinkedBlockingQueue<>();
        BundleContext context = framework.getBundleContext();
        ServiceTracker<Callable<?>, Callable<?>> tracker = new ServiceTracker<>(context,
            context.createFilter("(&(" + Constants.OBJECTCLASS + "=" + Callable.class.getName() + ")(main.thread=true))"), null) {
            @Override
            public Callable<?> addingService(ServiceReference<Callable<?>> reference) {
                Callable<?> service = super.addingService(reference);
                if (service != null) {
                    next.add(Optional.of(service));
                }
                return service;
            }
        };
        tracker.open();
        Thread watcher = new Thread(() -> {
            try {
                framework.waitForStop(0);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            next.add(Optional.empty());
        }, "meshnode-launcher-stop");
        watcher.setDaemon(true);
        watcher.start();
        while (true) {
            Optional<Callable<?>> main = next.take();
            if (main.isEmpty()) {
                return STOPPED;
            }
            int status;
            try {
                Object result = main.get().call();
                status = result instanceof Integer ? (Integer) result : 0;
            } catch (Exception e) {
                System.err.println("meshnode: the main-thread service failed: " + e);
                status = 1;
            }
            if (status == RELISTEN) {
                continue;
            }
            stop(framework);
            return status;
        }
    }

    private static void stop(Framework framework) throws InterruptedException {
        try {
            framework.stop();
            FrameworkEvent event = framework.waitForStop(STOP_TIMEOUT_MS);
            if (event.getType() == FrameworkEvent.WAIT_TIMEDOUT) {
                System.err.println("meshnode: the framework did not stop within " + STOP_TIMEOUT_MS + " ms");
            }
        } catch (BundleException e) {
            System.err.println("meshnode: stopping the framework failed: " + e);
        }
    }
}
