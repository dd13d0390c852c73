package io.meshnode.runtime.internal;

import java.net.URI;
import java.nio.file.Path;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleException;
import org.osgi.framework.SynchronousBundleListener;
import org.osgi.framework.startlevel.BundleStartLevel;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import io.meshnode.api.home.NodeHome;

/**
 * A newer version of a platform bundle dropped into {@code deploy/} replaces the running one. FileInstall
 * installs it as a second bundle (another version of the same symbolic name), whose services would rank
 * equal to the running ones and lose; once it has started, the older version is stopped (transiently) so
 * that every consumer rebinds to the new services — the same swap as {@code update}. When the jar is
 * removed again, the older version is started again.
 * <p>
 * A bundle whose manifest says {@code Meshnode-Upgrade: stop-first} (mesh.core: two meshes with one identity
 * and one listen address cannot run side by side) is swapped the other way round: the older version is
 * stopped while the newer one is still {@code STARTING} (this listener is synchronous, and Declarative
 * Services activates components only once the bundle has started), so the new version starts alone, exactly
 * as after {@code update <id> <jar>}.
 * <p>
 * A bundle installed or updated otherwise once the node runs (at the console: {@code install}, {@code update}) is
 * lost at the next start, which brings back exactly the bundles the node ships (node's ShippedBundles keeps the
 * framework's cache to them): that is said at once, as a warning (on the console's stderr and in the log), with the
 * way to keep it, {@code deploy/}.
 */
@Component(immediate = true)
public class DeployUpgrades implements SynchronousBundleListener {
    /** The manifest header that asks for the older version to be stopped before the newer one starts. */
    static final String UPGRADE_HEADER = "Meshnode-Upgrade";
    static final String STOP_FIRST = "stop-first";

    private final BundleContext context;
    private final Logger log;
    private final Path deploy;

    /**
     * Keeps nothing of its own: which version runs is read from the framework each time (an older version
     * stopped transiently stays persistently started), so a restart of this component (a mesh.core update)
     * or of the node loses nothing.
     */
    @Activate
    public DeployUpgrades(BundleContext context, @Reference(service = LoggerFactory.class) Logger log) {
        this.context = context;
        this.log = log;
        Path home = NodeHome.home(context);
        this.deploy = home == null ? null : home.resolve("deploy").normalize();
        if (deploy != null) {
            context.addBundleListener(this);
            // Deployed bundles that started before this component did (at a node start, FileInstall may be first).
            for (Bundle b : context.getBundles()) {
                if (b.getState() == Bundle.ACTIVE && deployed(b)) {
                    replaceOlder(b);
                }
            }
        }
    }

    @Deactivate
    void deactivate() {
        context.removeBundleListener(this);
    }

    @Override
    public void bundleChanged(BundleEvent event) {
        Bundle b = event.getBundle();
        if (event.getType() == BundleEvent.STARTING && deployed(b) && stopFirst(b)) {
            replaceOlder(b);
        } else if (event.getType() == BundleEvent.STARTED && deployed(b) && !stopFirst(b)) {
            replaceOlder(b);
        } else if (event.getType() == BundleEvent.UNINSTALLED && deployed(b)) {
            restoreOlder(b);
        } else if ((event.getType() == BundleEvent.INSTALLED || event.getType() == BundleEvent.UPDATED) && !deployed(b)
            && b.getBundleId() != 0) {
            log.warn("{} {} ({}) was {} for this run only: a start brings back the bundles the node ships. To keep it, "
                + "copy the jar into {}/", b.getSymbolicName(), b.getVersion(), b.getLocation(),
                event.getType() == BundleEvent.INSTALLED ? "installed" : "updated", deploy);
        }
    }

    private void replaceOlder(Bundle b) {
        for (Bundle o : context.getBundles()) {
            if (o == b || !b.getSymbolicName().equals(o.getSymbolicName()) || o.getVersion().compareTo(b.getVersion()) >= 0
                || o.getState() != Bundle.ACTIVE) {
                continue;
            }
            log.info("deploy/: {} {} replaces {} (bundle {}, stopped until the jar is removed)", b.getSymbolicName(),
                b.getVersion(), o.getVersion(), o.getBundleId());
            stop(o);
        }
    }

    /** The deployed {@code gone} was removed: the newest version it had stopped runs again, unless another runs. */
    private void restoreOlder(Bundle gone) {
        Bundle newest = null;
        for (Bundle o : context.getBundles()) {
            if (o == gone || !gone.getSymbolicName().equals(o.getSymbolicName())) {
                continue;
            }
            if (o.getState() == Bundle.ACTIVE || o.getState() == Bundle.STARTING) {
                return; // a version of it runs already
            }
            if (o.getState() == Bundle.RESOLVED && o.adapt(BundleStartLevel.class).isPersistentlyStarted()
                && (newest == null || o.getVersion().compareTo(newest.getVersion()) > 0)) {
                newest = o;
            }
        }
        if (newest != null) {
            log.info("{} {} removed from deploy/: starting {} {} again", gone.getSymbolicName(), gone.getVersion(),
                newest.getSymbolicName(), newest.getVersion());
            start(newest);
        }
    }

    private static boolean stopFirst(Bundle b) {
        return STOP_FIRST.equals(b.getHeaders().get(UPGRADE_HEADER));
    }

    private boolean deployed(Bundle b) {
        String location = b.getLocation();
        if (b.getSymbolicName() == null || location == null || !location.startsWith("file:")) {
            return false;
        }
        try {
            return deploy.equals(Path.of(URI.create(location)).getParent().normalize());
        } catch (RuntimeException e) {
            return false;
        }
    }

    private void stop(Bundle b) {
        try {
            b.stop(Bundle.STOP_TRANSIENT);
        } catch (BundleException | IllegalStateException e) {
            log.error("cannot stop {} {}: {}", b.getSymbolicName(), b.getVersion(), e.getMessage());
        }
    }

    private void start(Bundle b) {
        try {
            b.start(Bundle.START_TRANSIENT);
        } catch (BundleException | IllegalStateException e) {
            log.error("cannot start {} {}: {}", b.getSymbolicName(), b.getVersion(), e.getMessage());
        }
    }
}
