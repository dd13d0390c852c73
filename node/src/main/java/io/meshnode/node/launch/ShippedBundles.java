package io.meshnode.node.launch;

import java.io.File;
import java.util.HashSet;
import java.util.Set;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleException;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.SynchronousBundleListener;

/**
 * Keeps the framework's cache to exactly the bundles this build ships, so that reusing the cache across starts
 * (node's Main: {@code launch.keep=true}) changes nothing but the time a start takes.
 * <p>
 * An embedded activator of the bnd launcher, run once the framework is initialised from its cache and before the
 * launcher installs anything: every cached bundle whose location is not one of the launcher's embedded paths (a
 * bundle installed at the console, one FileInstall installed from {@code deploy/}) is uninstalled; the launcher then
 * installs what is missing, skips a shipped bundle whose digest is the one in the jar's manifest, and FileInstall
 * installs {@code deploy/} again, as on an empty cache. A shipped bundle updated at the console is marked while the
 * node runs: its launcher digest file is deleted, so the next start's launcher replaces it with the shipped jar.
 * <p>
 * Loaded by the launcher's class loader (from {@code launch/} in meshnode.jar), which sees the framework API; the
 * jar's root, where Main is, does not.
 */
public final class ShippedBundles implements BundleActivator, SynchronousBundleListener {
    /** Read by the bnd launcher: run before it installs or updates the embedded bundles. */
    public static final String IMMEDIATE = "AFTER_FRAMEWORK_INIT";
    /** The launcher's list of embedded bundle paths, which are also their bundle locations. */
    static final String LAUNCH_BUNDLES = "launch.bundles";
    /** Where the launcher keeps, per bundle id, the digest of the jar it installed (system bundle data area). */
    static final String DIGESTS = ".bnd.launcher";
    /** The launcher's service, and the property it sets once it has installed and started the bundles. */
    static final String LAUNCHER_SERVICE = "(&(objectClass=aQute.launcher.Launcher)(launcher.ready=true))";

    private BundleContext context;

    @Override
    public void start(BundleContext systemContext) {
        this.context = systemContext;
        systemContext.addBundleListener(this);
        String paths = systemContext.getProperty(LAUNCH_BUNDLES);
        if (paths == null) {
            return; // not the bnd launcher's embedded mode: nothing known to keep
        }
        Set<String> shipped = new HashSet<>();
        for (String path : paths.split(",")) {
            shipped.add(path.trim());
        }
        for (Bundle b : systemContext.getBundles()) {
            if (b.getBundleId() != 0 && !shipped.contains(b.getLocation())) {
                try {
                    b.uninstall();
                } catch (BundleException | IllegalStateException e) {
                    System.err.println("meshnode: cannot uninstall " + b.getLocation() + " from the framework's cache ("
                        + e.getMessage() + "); delete " + systemContext.getProperty("org.osgi.framework.storage")
                        + " to start from an empty cache");
                }
            }
        }
    }

    @Override
    public void stop(BundleContext systemContext) {
        systemContext.removeBundleListener(this);
    }

    /** Once the launcher is done, an update is someone else's: the next start reverts it. */
    @Override
    public void bundleChanged(BundleEvent event) {
        if (event.getType() == BundleEvent.UPDATED && launcherDone()) {
            File digest = context.getDataFile(DIGESTS + File.separator + event.getBundle().getBundleId());
            if (digest != null && digest.isFile() && !digest.delete()) {
                System.err.println("meshnode: cannot delete " + digest + ": the next start keeps bundle "
                    + event.getBundle().getLocation() + " as updated");
            }
        }
    }

    private boolean launcherDone() {
        try {
            ServiceReference<?>[] refs = context.getServiceReferences((String) null, LAUNCHER_SERVICE);
            return refs != null;
        } catch (org.osgi.framework.InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
