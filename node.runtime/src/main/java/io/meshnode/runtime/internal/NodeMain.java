package io.meshnode.runtime.internal;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceListener;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.startlevel.FrameworkStartLevel;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * The node's process life cycle, for the bnd launcher that runs it.
 * <ul>
 * <li>The launcher's main-thread service: the launcher exits with 117 when the framework stops, but
 * with what this callable returns when there is one, so {@code stop 0}, {@code exit} and Ctrl-D end
 * the process with status 0. When only this bundle is updated, it asks the launcher to wait for the
 * next callable instead of exiting.</li>
 * <li>In the node's own process ({@code meshnode.stop.on.signal=true}, set by node's Main), a JVM
 * shutdown hook, registered before the mesh can print its ready line, that stops the framework on
 * SIGTERM/SIGINT so components close their sockets and send their goodbyes (the launcher itself would
 * just let the JVM exit). The ready line may come while the launcher is still starting the last bundles; a stop then
 * waits until the launcher says it is done, since stopping the framework under it fails its remaining starts
 * ({@code NullPointerException} from {@code getWiring()}) and leaves no clean shutdown; likewise the stop waits
 * for the framework's rise to its beginning start level.</li>
 * </ul>
 */
@Component(immediate = true, service = Callable.class, property = "main.thread:Boolean=true")
public class NodeMain implements Callable<Integer> {
    /** The launcher's "wait for another main-thread service" code. */
    static final int RELISTEN = 198;
    private static final long STOP_TIMEOUT_MS = 10_000;
    /** The bnd launcher's service, and the property it sets once it has installed and started every bundle. */
    static final String LAUNCHER = "(objectClass=aQute.launcher.Launcher)";
    static final String LAUNCHER_READY = "launcher.ready";

    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Bundle framework;
    private final Thread hook;

    @Activate
    public NodeMain(BundleContext context) {
        framework = context.getBundle(0);
        // Only in the node's own process (node's Main sets the property): Karaf and test runners stop their
        // framework themselves, and a test runner that calls System.exit from a bundle's thread would keep
        // this hook waiting for a framework stop that waits for that very thread.
        if (Boolean.parseBoolean(context.getProperty("meshnode.stop.on.signal"))) {
            hook = new Thread(this::stopFramework, "meshnode-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
        } else {
            hook = null;
        }
    }

    @Deactivate
    void deactivate() {
        if (hook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is shutting down: the hook is what is stopping us
            }
        }
        stopped.countDown();
    }

    @Override
    public Integer call() throws InterruptedException {
        stopped.await();
        return framework.getState() == Bundle.STOPPING ? 0 : RELISTEN;
    }

    private void stopFramework() {
        try {
            awaitLauncher(framework.getBundleContext());
            lowerToFirstLevel();
            framework.stop();
            FrameworkEvent event = ((Framework) framework).waitForStop(STOP_TIMEOUT_MS);
            if (event.getType() == FrameworkEvent.WAIT_TIMEDOUT) {
                System.err.println("meshnode: the framework did not stop within " + STOP_TIMEOUT_MS + " ms");
            } else {
                System.out.println("meshnode stopped");
            }
        } catch (BundleException | InterruptedException | RuntimeException e) {
            System.err.println("meshnode: stopping the framework failed: " + e);
        }
    }

    /**
     * Start level changes run one after the other on the framework's start level thread, and the launcher's raise to
     * the beginning level may still be starting bundles; a framework stop runs beside it, and the raise then fails on
     * bundles the stop has taken down. A request for level 1, queued behind the raise, stops the higher levels in order
     * once it is done; the framework stop then stops the rest.
     */
    private void lowerToFirstLevel() throws InterruptedException {
        CountDownLatch lowered = new CountDownLatch(1);
        framework.adapt(FrameworkStartLevel.class).setStartLevel(1, event -> lowered.countDown());
        if (!lowered.await(STOP_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
            System.err.println("meshnode: the framework did not reach start level 1 within " + STOP_TIMEOUT_MS
                + " ms; stopping anyway");
        }
    }

    /** Returns once no launcher service is still starting bundles (at once where no bnd launcher runs). */
    static void awaitLauncher(BundleContext system) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(1);
        ServiceListener listener = event -> {
            if (ready(event.getServiceReference())) {
                done.countDown();
            }
        };
        try {
            system.addServiceListener(listener, LAUNCHER);
            ServiceReference<?>[] launchers = system.getServiceReferences((String) null, LAUNCHER);
            if (launchers == null || ready(launchers[0])) {
                return;
            }
            if (!done.await(STOP_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                System.err.println("meshnode: the launcher was still starting bundles after " + STOP_TIMEOUT_MS
                    + " ms; stopping anyway");
            }
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        } finally {
            system.removeServiceListener(listener);
        }
    }

    private static boolean ready(ServiceReference<?> launcher) {
        return "true".equals(String.valueOf(launcher.getProperty(LAUNCHER_READY)));
    }
}
