package io.meshnode.itest.mesh.wedge;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Hashtable;
import java.util.concurrent.locks.LockSupport;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

import io.meshnode.api.health.HealthDecision;
import io.meshnode.api.health.HealthMonitor;
import io.meshnode.api.health.HeartbeatRules;
import io.meshnode.api.health.LinkObservation;

/**
 * A misbehaving plug-in, for tests only: the heartbeat rules (100 ms / 100 ms / 3, as GossipIT configures), except
 * that {@link #assess} blocks the caller — the mesh thread — while the file named by the property
 * {@value #FLAG} exists (at most a minute). Ranking 100 takes over from the default monitor. GossipIT packs this one
 * class into a bundle of its own ({@link #manifest()}), so it imports only mesh.api's health package and the
 * framework.
 */
public final class WedgedMonitor implements HealthMonitor, BundleActivator {
    public static final String FLAG = "meshnode.itest.wedge";
    private static final HeartbeatRules RULES = new HeartbeatRules(Duration.ofMillis(100), Duration.ofMillis(100), 3);

    private volatile Path flag;
    private ServiceRegistration<HealthMonitor> registration;

    @Override
    public void start(BundleContext context) {
        flag = Path.of(context.getProperty(FLAG));
        Hashtable<String, Object> props = new Hashtable<>();
        props.put("service.ranking", 100);
        props.put("component.name", "itest.wedged.monitor");
        registration = context.registerService(HealthMonitor.class, this, props);
    }

    @Override
    public void stop(BundleContext context) {
        registration.unregister();
    }

    @Override
    public HealthDecision assess(LinkObservation link, long now) {
        long until = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (Files.exists(flag) && System.nanoTime() < until) {
            LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
        }
        return RULES.assess(link, now);
    }

    /** @return the manifest of the bundle made of this class alone */
    public static String manifest() {
        return String.join("\n", "Manifest-Version: 1.0", "Bundle-ManifestVersion: 2", "Bundle-SymbolicName: itest.wedged.monitor",
            "Bundle-Version: 1.0.0", "Bundle-Activator: " + WedgedMonitor.class.getName(),
            "Import-Package: io.meshnode.api.health;version=\"[1.2,2)\",org.osgi.framework;version=\"[1.8,2)\"", "", "");
    }

    @Override
    public String toString() {
        return "wedged " + RULES;
    }
}
