package io.meshnode.core.internal.osgi;

import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import org.osgi.framework.ServiceReference;
import org.osgi.service.log.Logger;

import io.meshnode.api.health.HealthMonitor;
import io.meshnode.api.membership.Membership;
import io.meshnode.api.retry.RetryPolicy;
import io.meshnode.api.topology.NodeRef;
import io.meshnode.api.topology.Topology;
import io.meshnode.api.transport.Transport;
import io.meshnode.core.internal.engine.Services;

/** The bound provider of each role, as the engine reads them (once per decision), and who they are. */
final class ProviderSlots implements Services {
    final AtomicReference<Transport> transport = new AtomicReference<>();
    final AtomicReference<RetryPolicy> retry = new AtomicReference<>();
    final AtomicReference<HealthMonitor> health = new AtomicReference<>();
    final AtomicReference<Topology> topology = new AtomicReference<>();
    private final Providers providers;

    ProviderSlots(Providers providers) {
        this.providers = providers;
    }

    @Override
    public Transport transport() {
        return transport.get();
    }

    @Override
    public RetryPolicy retry() {
        return retry.get();
    }

    @Override
    public HealthMonitor health() {
        return health.get();
    }

    @Override
    public Topology topology() {
        return topology.get();
    }

    @Override
    public String describe(Object service) {
        return providers.describe(service);
    }

    /**
     * Someone else's code: asks a membership for its members; one that throws or answers {@code null} is logged with
     * its bundle, and {@code null} returned so that its last good answer stays.
     */
    static Set<NodeRef> members(Membership m, ServiceReference<Membership> ref, Logger log) {
        String who = ref.getProperty("component.name") + " (" + (ref.getBundle() == null ? "?" : ref.getBundle().getSymbolicName())
            + ")";
        try {
            Set<NodeRef> members = m.members();
            if (members == null) {
                log.error("membership {} returned null; keeping its last members", who);
                return null;
            }
            return members.stream().filter(Objects::nonNull).collect(Collectors.toUnmodifiableSet());
        } catch (RuntimeException | LinkageError e) {
            log.error("membership {} failed: {}; keeping its last members", who, e.toString());
            return null;
        }
    }
}
