package io.meshnode.node.internal;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.launch.Framework;

/**
 * Stops the framework when the JVM shuts down (SIGTERM, SIGINT), so components deactivate and
 * close their sockets; the bnd launcher itself only exits. Started by the launcher as an
 * Embedded-Activator of the -runpath (see bnd.bnd) with the system bundle context.
 */
public final class StopOnSignal implements BundleActivator {
    /** Read by the launcher: start right after framework init, before any bundle starts. */
    public static final String IMMEDIATE = "AFTER_FRAMEWORK_INIT";
    private static final long STOP_TIMEOUT_MS = 10_000;

    private Thread hook;

    @Override
    public void start(BundleContext context) {
        Framework framework = (Framework) context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION);
        hook = new Thread(() -> stop(framework), "meshnode-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    @Override
    public void stop(BundleContext context) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // the hook is running or has run
        }
    }

    private static void stop(Framework framework) {
        try {
            framework.stop();
            FrameworkEvent event = framework.waitForStop(STOP_TIMEOUT_MS);
            if (event.getType() == FrameworkEvent.WAIT_TIMEDOUT) {
                System.err.println("meshnode: framework did not stop within " + STOP_TIMEOUT_MS + " ms");
            } else {
                System.out.println("meshnode stopped");
            }
        } catch (Exception e) {
            System.err.println("meshnode: stopping the framework failed: " + e);
        }
    }
}
