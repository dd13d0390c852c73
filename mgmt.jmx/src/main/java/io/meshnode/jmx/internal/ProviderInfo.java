package io.meshnode.jmx.internal;

import io.meshnode.api.mesh.ProviderDTO;

/** One bound provider, an open-type composite in JMX. */
public final class ProviderInfo {
    private final ProviderDTO p;

    ProviderInfo(ProviderDTO p) {
        this.p = p;
    }

    public String getRole() {
        return p.role;
    }

    public String getComponent() {
        return p.component;
    }

    public String getBundle() {
        return p.bundle;
    }

    public String getVersion() {
        return p.version;
    }

    public int getRanking() {
        return p.ranking;
    }

    public long getServiceId() {
        return p.serviceId;
    }
}
