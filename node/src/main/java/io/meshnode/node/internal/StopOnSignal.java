package io.meshnode.node.internal;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.launch.Framework;

/**
 * Stops the framework when the JVM shuts down (SIGTERM, SIGINT), so components deactivate and
 * close their sockets; the bnd launcher itself only exits. Started by the launcher as an
 * Embedded-Activator of the -runpath (see bnd.bnd) with the system bundle context, after it has
 * installed and started the bundles: a signal during installation just ends the JVM, instead of
 * stopping the framework under the launcher's feet.
 */
public final class StopOnSignal implements BundleActivator {
    private static final long STOP_TIMEOUT_MS = 10_000;

    @Override
    public void start(BundleContext context) {
        Framework framework = (Framework) context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(framework), "meshnode-shutdown"));
    }

    // The launcher never stops embedded activators. After `stop 0` the hook finds the framework
    // stopped already and only reports it.
    @Override
    public void stop(BundleContext context) {}

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
