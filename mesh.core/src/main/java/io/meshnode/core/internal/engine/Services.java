package io.meshnode.core.internal.engine;

import io.meshnode.api.health.HealthMonitor;
import io.meshnode.api.retry.RetryPolicy;
import io.meshnode.api.topology.Topology;
import io.meshnode.api.transport.Transport;

/** The swappable services as bound now; any may be {@code null} while absent. Read once per decision. */
public interface Services {
    Transport transport();

    RetryPolicy retry();

    HealthMonitor health();

    Topology topology();

    /** @return who provides {@code service}, for log lines: component, bundle and version */
    default String describe(Object service) {
        return String.valueOf(service);
    }
}
