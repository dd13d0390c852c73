package io.meshnode.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleListener;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.framework.startlevel.FrameworkStartLevel;
import org.osgi.framework.wiring.BundleRevision;
import org.osgi.test.common.annotation.InjectBundleContext;

/**
 * Every bundle of the distribution resolves and starts (the interactive console, at a later start level, resolves):
 * a missing import or a failing activator shows here.
 */
class BundlesTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Test
    void everyBundleIsActiveAndEveryFragmentResolved(@InjectBundleContext BundleContext context) throws Exception {
        List<String> offenders = awaitSettled(context);
        assertEquals(List.of(), offenders, "bundles not ACTIVE (fragments: not RESOLVED) after " + TIMEOUT);
    }

    // The launcher raises the start level asynchronously and the tester may run first: re-check on every
    // bundle event until all bundles have settled or the deadline passes.
    private static List<String> awaitSettled(BundleContext context) throws InterruptedException {
        Object changed = new Object();
        BundleListener listener = event -> {
            synchronized (changed) {
                changed.notifyAll();
            }
        };
        context.addBundleListener(listener);
        try {
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            synchronized (changed) {
                List<String> offenders = offenders(context);
                for (long left; !offenders.isEmpty() && (left = deadline - System.nanoTime()) > 0; ) {
                    TimeUnit.NANOSECONDS.timedWait(changed, left);
                    offenders = offenders(context);
                }
                return offenders;
            }
        } finally {
            context.removeBundleListener(listener);
        }
    }

    private static List<String> offenders(BundleContext context) {
        List<String> offenders = new ArrayList<>();
        int frameworkLevel = context.getBundle(0).adapt(FrameworkStartLevel.class).getStartLevel();
        for (Bundle bundle : context.getBundles()) {
            boolean fragment = (bundle.adapt(BundleRevision.class).getTypes() & BundleRevision.TYPE_FRAGMENT) != 0;
            // Above the framework's start level on purpose (the interactive console, started only with a terminal):
            // resolved, not started.
            boolean later = bundle.adapt(BundleStartLevel.class).getStartLevel() > frameworkLevel;
            int expected = fragment || later ? Bundle.RESOLVED : Bundle.ACTIVE;
            if (bundle.getState() != expected) {
                offenders.add(bundle.getSymbolicName() + " " + bundle.getVersion() + " [" + bundle.getBundleId() + "] "
                    + state(bundle.getState()));
            }
        }
        return offenders;
    }

    private static String state(int state) {
        switch (state) {
            case Bundle.INSTALLED: return "INSTALLED (unresolved)";
            case Bundle.RESOLVED: return "RESOLVED";
            case Bundle.STARTING: return "STARTING";
            case Bundle.STOPPING: return "STOPPING";
            case Bundle.ACTIVE: return "ACTIVE";
            default: return "UNINSTALLED";
        }
    }
}
