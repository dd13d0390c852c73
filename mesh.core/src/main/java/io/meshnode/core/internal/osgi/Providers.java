package io.meshnode.core.internal.osgi;

import io.meshnode.core.internal.engine.Scheduler;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;

import io.meshnode.api.mesh.ProviderDTO;

/**
 * The service bound now for each swappable role, with what the console shows about it. Bind and unbind
 * arrive on SCR threads; a swap is reported once as "old provider → new provider".
 * <p>
 * A swap reaches the mesh as several events: a bundle update unbinds the old service and binds the new one
 * a moment later; a higher-ranked provider being updated hands over to the fallback and back. So a change
 * of a role is reported {@link #SETTLE_MILLIS} after its first event, from the provider before it to the one
 * bound then: "X → none" only if nothing came back within that time.
 */
public final class Providers {
    /** How long after the first event of a swap the swap is reported. */
    public static final long SETTLE_MILLIS = 1_000;

    private record Bound(Object service, ProviderDTO dto) {}

    /** A change of one role not reported yet: the provider before it. Compared by identity. */
    private static final class Pending {
        final Bound from;

        Pending(Bound from) {
            this.from = from;
        }
    }

    private final Map<Role, Bound> bound = new ConcurrentHashMap<>();
    private final Map<Role, Pending> pending = new HashMap<>();
    private final Consumer<String> report;
    private final Supplier<Scheduler> scheduler;

    /**
     * @param report receives each line
     * @param scheduler the mesh's scheduler, {@code null} while there is none (changes are then reported at once)
     */
    public Providers(Consumer<String> report, Supplier<Scheduler> scheduler) {
        this.report = report;
        this.scheduler = scheduler;
    }

    /** Records {@code service} as the provider of {@code role}. */
    synchronized void bind(Role role, Object service, ServiceReference<?> ref) {
        changed(role, bound.put(role, new Bound(service, describe(role, ref))));
    }

    /**
     * Forgets {@code service} if it is still the provider of {@code role}.
     *
     * @return {@code true} if it was (a greedy rebind binds the replacement before unbinding the old one)
     */
    synchronized boolean unbind(Role role, Object service) {
        Bound old = bound.get(role);
        if (old == null || old.service() != service) {
            return false;
        }
        bound.remove(role);
        changed(role, old);
        return true;
    }

    /** Reports every change not reported yet, now (the mesh is stopping). */
    synchronized void flush() {
        pending.forEach((role, p) -> report(role, p.from));
        pending.clear();
    }

    private void changed(Role role, Bound before) {
        if (pending.containsKey(role)) {
            return; // part of a swap whose report is planned already
        }
        Scheduler s = scheduler.get();
        if (s == null) {
            report(role, before);
            return;
        }
        Pending p = new Pending(before);
        pending.put(role, p);
        s.schedule(() -> settled(role, p), SETTLE_MILLIS);
    }

    private synchronized void settled(Role role, Pending p) {
        if (pending.remove(role, p)) {
            report(role, p.from);
        }
    }

    private void report(Role role, Bound from) {
        Bound to = bound.get(role);
        if (from == to || from != null && to != null && from.service() == to.service()) {
            return; // gone and back: nothing changed
        }
        report.accept(role.label() + " provider: " + label(from) + " → " + label(to));
    }

    /** @return who provides {@code service} now, for log lines: component, bundle, version and ranking */
    public String describe(Object service) {
        for (Bound b : bound.values()) {
            if (b.service() == service) {
                return label(b);
            }
        }
        return String.valueOf(service);
    }

    public List<ProviderDTO> snapshot() {
        List<ProviderDTO> out = new ArrayList<>();
        for (Role role : Role.values()) {
            Bound b = bound.get(role);
            if (b != null) {
                out.add(copy(b.dto()));
            }
        }
        return out;
    }

    public static ProviderDTO describe(Role role, ServiceReference<?> ref) {
        ProviderDTO d = new ProviderDTO();
        d.role = role.label();
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
