package io.meshnode.core.internal.engine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;

import org.osgi.service.log.Logger;

import io.meshnode.api.health.HealthDecision;
import io.meshnode.api.health.HealthMonitor;
import io.meshnode.api.health.HeartbeatRules;
import io.meshnode.api.health.LinkObservation;
import io.meshnode.api.retry.RetryDecision;
import io.meshnode.api.retry.RetryPolicy;
import io.meshnode.api.topology.FullMesh;
import io.meshnode.api.topology.NodeRef;
import io.meshnode.api.topology.NodeRole;
import io.meshnode.api.topology.Topologies;
import io.meshnode.api.topology.Topology;
import io.meshnode.core.internal.topology.FullMeshTopology;

/**
 * Every call into another bundle's retry, health or topology service goes through here. An exception, a
 * {@code null} or an answer that makes no sense is logged once per provider with its bundle's name, the
 * mesh falls back to its built-in rules for that decision, and {@code mesh:status} shows the fault until
 * the provider is replaced. A misbehaving plug-in is never the remote peer's fault and never leaves a peer
 * without a next step.
 */
final class Plugins {
    /** Used while no retry policy is bound, for the one decision that cannot wait: when a link is stable. */
    static final Duration FALLBACK_STABLE = Duration.ofSeconds(60);

    private final Services services;
    private final Logger log;
    private final Topology builtinTopology = new FullMeshTopology();
    private final RetryPolicy builtinRetry;
    /** The faults seen, per provider instance (compared by identity), for mesh:status. */
    private final Map<Object, String> faults = new IdentityHashMap<>();

    Plugins(Services services, Logger log, DoubleSupplier random) {
        this.services = services;
        this.log = log;
        this.builtinRetry = new BuiltinRetry(random);
    }

    Services services() {
        return services;
    }

    /** @return the bound retry policy, {@code null} while there is none */
    RetryPolicy retry() {
        return services.retry();
    }

    HealthMonitor health() {
        return services.health();
    }

    RetryDecision next(RetryPolicy retry, NodeRole role, int failures, Duration previous) {
        RetryDecision d = call(retry, "retry policy", () -> retry.next(role, failures, previous));
        if (d != null && (d.isGiveUp() || d.delay().toDays() < 1)) {
            return d;
        }
        if (d != null) {
            fault(retry, "retry policy", "asked for a delay of " + d.delay() + " after " + failures + " failures");
        }
        return builtinRetry.next(role, failures, previous);
    }

    Duration stableAfter() {
        RetryPolicy retry = services.retry();
        if (retry == null) {
            return FALLBACK_STABLE;
        }
        Duration d = call(retry, "retry policy", retry::stableAfter);
        if (d == null || d.isNegative()) {
            if (d != null) {
                fault(retry, "retry policy", "stableAfter() returned " + d);
            }
            return FALLBACK_STABLE;
        }
        return d;
    }

    /** @return the monitor's decision, or the built-in heartbeat's if the monitor throws or answers nonsense */
    HealthDecision assess(HealthMonitor monitor, LinkObservation link, long now) {
        HealthDecision d = call(monitor, "health monitor", () -> monitor.assess(link, now));
        if (d != null && (d.verdict() == io.meshnode.api.health.HealthVerdict.FAILED || d.nextCheckAt() > now || d.ping())) {
            return d;
        }
        if (d != null) {
            fault(monitor, "health monitor", "asked to be called again at " + d.nextCheckAt() + " (now " + now + ") without a ping");
        }
        return HeartbeatRules.DEFAULTS.assess(link, now);
    }

    /** @return the bound topology, or the built-in full mesh while there is none */
    Topology topology() {
        Topology t = services.topology();
        return t == null ? builtinTopology : t;
    }

    boolean dials(NodeRef self, NodeRef peer) {
        Topology t = topology();
        Boolean b = call(t, "topology", () -> t.dials(self, peer));
        return b != null ? b : builtinTopology.dials(self, peer);
    }

    boolean links(NodeRef self, NodeRef peer) {
        Topology t = topology();
        Boolean b = call(t, "topology", () -> t.links(self, peer));
        return b != null ? b : builtinTopology.links(self, peer);
    }

    boolean keepsOutbound(String selfId, String peerId) {
        Topology t = topology();
        Boolean b = call(t, "topology", () -> t.keepsOutbound(selfId, peerId));
        return b != null ? b : builtinTopology.keepsOutbound(selfId, peerId);
    }

    /** The topology's answers for this node over one membership. */
    record Wishes(java.util.Set<NodeRef> wanted, java.util.Set<NodeRef> wanting) {}

    /**
     * @return whom the topology wants this node linked with, and who wants this node; the full mesh's answer if the
     *         topology throws or breaks its contract (a member that does not exist, the node itself, {@code null})
     */
    Wishes wishes(NodeRef self, java.util.Collection<NodeRef> members) {
        Topology t = topology();
        try {
            return new Wishes(Topologies.wanted(t, self, members), Topologies.wanting(t, self, members));
        } catch (RuntimeException | LinkageError e) {
            fault(t, "topology", "threw " + e);
            java.util.Set<NodeRef> all = FullMesh.wanted(self, members);
            return new Wishes(all, all);
        }
    }

    /** @return the bound topology's name for logs and the console */
    String topologyName() {
        Topology t = services.topology();
        return t == null ? "full mesh (built in)" : services.describe(t);
    }

    /** @return the bound topology's name as the hello announces it: its component name, without bundle and version */
    String topologyShortName() {
        String full = topologyName();
        int cut = full.indexOf(" (");
        return cut < 0 ? full : full.substring(0, cut);
    }

    /** @return one line per provider that misbehaved and is still bound */
    List<String> warnings() {
        List<String> out = new ArrayList<>();
        Object[] bound = {services.transport(), services.retry(), services.health(), services.topology()};
        List<Object> live = java.util.Arrays.asList(bound);
        faults.keySet().removeIf(p -> !live.contains(p));
        faults.forEach((p, line) -> out.add(line));
        return out;
    }

    private <T> T call(Object provider, String role, Supplier<T> call) {
        try {
            T answer = call.get();
            if (answer == null) {
                fault(provider, role, "returned null");
            }
            return answer;
        } catch (RuntimeException | LinkageError e) {
            fault(provider, role, "threw " + e);
            return null;
        }
    }

    private void fault(Object provider, String role, String what) {
        String line = role + " " + services.describe(provider) + " misbehaved: " + what + "; the mesh uses its built-in "
            + role + " for that decision";
        if (faults.put(provider, line) == null) {
            log.error(line);
        }
    }

    /** Exponential backoff 5 s → 300 s with ±20 % jitter; parks after 20 (masternode) or 10 failures, probing hourly. */
    private static final class BuiltinRetry implements RetryPolicy {
        private final DoubleSupplier random;

        BuiltinRetry(DoubleSupplier random) {
            this.random = random;
        }

        @Override
        public RetryDecision next(NodeRole role, int failures, Duration previous) {
            if (failures >= (role == NodeRole.MASTERNODE ? 20 : 10)) {
                return RetryDecision.giveUp(Duration.ofHours(1));
            }
            long base = failures == 0 ? 1_000 : Math.min(300_000, 5_000L << Math.min(failures - 1, 16));
            return RetryDecision.retryAfter(Duration.ofMillis(Math.round(base * (0.8 + 0.4 * random.getAsDouble()))));
        }

        @Override
        public Duration stableAfter() {
            return FALLBACK_STABLE;
        }
    }
}
