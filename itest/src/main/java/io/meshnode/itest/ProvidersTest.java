package io.meshnode.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.osgi.test.common.annotation.InjectService;
import org.osgi.test.common.service.ServiceAware;

import io.meshnode.api.health.HealthMonitor;
import io.meshnode.api.mesh.Mesh;
import io.meshnode.api.messaging.Messaging;
import io.meshnode.api.retry.RetryPolicy;
import io.meshnode.api.topology.Topology;
import io.meshnode.api.transport.Transport;

/** Each contract of mesh.api has its default provider registered, from the bundle that should provide it. */
class ProvidersTest {
    private static final long TIMEOUT_MS = 10_000;

    @Test
    void transport(@InjectService(timeout = TIMEOUT_MS) ServiceAware<Transport> service) {
        assertProvidedBy("transport.netty", service);
    }

    @Test
    void retryPolicy(@InjectService(timeout = TIMEOUT_MS) ServiceAware<RetryPolicy> service) {
        assertProvidedBy("policy.retry", service);
    }

    @Test
    void healthMonitor(@InjectService(timeout = TIMEOUT_MS) ServiceAware<HealthMonitor> service) {
        assertProvidedBy("health.heartbeat", service);
    }

    @Test
    void topology(@InjectService(timeout = TIMEOUT_MS) ServiceAware<Topology> service) {
        assertProvidedBy("mesh.core", service);
    }

    @Test
    void mesh(@InjectService(timeout = TIMEOUT_MS) ServiceAware<Mesh> service) {
        assertProvidedBy("mesh.core", service);
    }

    @Test
    void messaging(@InjectService(timeout = TIMEOUT_MS) ServiceAware<Messaging> service) {
        assertProvidedBy("mesh.core", service);
    }

    private static void assertProvidedBy(String bsn, ServiceAware<?> service) {
        assertEquals(bsn, service.getServiceReference().getBundle().getSymbolicName(),
            "bundle providing " + service.getServiceReference());
    }
}
