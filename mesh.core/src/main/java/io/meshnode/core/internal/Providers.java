package io.meshnode.core.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;

import io.meshnode.api.mesh.ProviderDTO;

/**
 * The service bound now for each swappable role, with what the console shows about it. Bind and unbind
 * arrive on SCR threads; a swap is reported once as "old provider → new provider".
 */
final class Providers {
    static final List<String> ROLES = List.of("transport", "topology", "health", "retry");

    private record Bound(Object service, ProviderDTO dto) {}

    private final Map<String, Bound> bound = new ConcurrentHashMap<>();
    private final Consumer<String> report;

    Providers(Consumer<String> report) {
        this.report = report;
    }

    /** Records {@code service} as the provider of {@code role}. */
    synchronized void bind(String role, Object service, ServiceReference<?> ref) {
        Bound old = bound.put(role, new Bound(service, describe(role, ref)));
        report.accept(role + " provider: " + label(old) + " → " + label(bound.get(role)));
    }

    /**
     * Forgets {@code service} if it is still the provider of {@code role}.
     *
     * @return {@code true} if it was (a greedy rebind binds the replacement before unbinding the old one)
     */
    synchronized boolean unbind(String role, Object service) {
        Bound old = bound.get(role);
        if (old == null || old.service() != service) {
            return false;
        }
        bound.remove(role);
        report.accept(role + " provider: " + label(old) + " → none");
        return true;
    }

    List<ProviderDTO> snapshot() {
        List<ProviderDTO> out = new ArrayList<>();
        for (String role : ROLES) {
            Bound b = bound.get(role);
            if (b != null) {
                out.add(copy(b.dto()));
            }
        }
        return out;
    }

    static ProviderDTO describe(String role, ServiceReference<?> ref) {
        ProviderDTO d = new ProviderDTO();
        d.role = role;
        Object name = ref.getProperty("component.name");
        if (name == null) {
            Object classes = ref.getProperty(Constants.OBJECTCLASS);
            name = classes instanceof String[] a && a.length > 0 ? a[0] : "?";
        }
        d.component = name.toString();
        Bundle b = ref.getBundle();
        d.bundle = b == null ? "?" : b.getSymbolicName();
        d.version = b == null ? "?" : b.getVersion().toString();
        d.ranking = ref.getProperty(Constants.SERVICE_RANKING) instanceof Integer r ? r : 0;
        d.serviceId = ref.getProperty(Constants.SERVICE_ID) instanceof Long id ? id : -1;
        return d;
    }

    private static String label(Bound b) {
        if (b == null) {
            return "none";
        }
        ProviderDTO d = b.dto();
        return d.component + " (" + d.bundle + " " + d.version + ", ranking " + d.ranking + ")";
    }

    private static ProviderDTO copy(ProviderDTO d) {
        ProviderDTO c = new ProviderDTO();
        c.role = d.role;
        c.component = d.component;
        c.bundle = d.bundle;
        c.version = d.version;
        c.ranking = d.ranking;
        c.serviceId = d.serviceId;
        return c;
    }
}
