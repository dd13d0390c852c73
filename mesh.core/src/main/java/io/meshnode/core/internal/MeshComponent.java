package io.meshnode.core.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import io.meshnode.api.config.ConfigException;
import io.meshnode.api.config.ConfigValues;
import io.meshnode.api.health.HealthMonitor;
import io.meshnode.api.mesh.BanDTO;
import io.meshnode.api.mesh.Bans;
import io.meshnode.api.mesh.Mesh;
import io.meshnode.api.mesh.MeshListener;
import io.meshnode.api.mesh.NodeDTO;
import io.meshnode.api.mesh.PeerDTO;
import io.meshnode.api.mesh.PeerState;
import io.meshnode.api.messaging.MessageHandler;
import io.meshnode.api.messaging.Messaging;
import io.meshnode.api.retry.RetryPolicy;
import io.meshnode.api.topology.NodeRole;
import io.meshnode.api.topology.Topology;
import io.meshnode.api.transport.Transport;
import io.meshnode.internal.home.NodeHome;

/**
 * The mesh: owns the peer table and binds transport, topology, health and retry dynamically and
 * optionally, so that updating any of their bundles never deactivates it (a mandatory reference whose
 * only provider is updated would re-create this component and drop every link).
 */
@Component(immediate = true, configurationPid = MeshComponent.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
    service = {Mesh.class, Messaging.class, Bans.class})
@Designate(ocd = MeshComponent.Config.class)
public class MeshComponent implements Mesh, Messaging, Bans {
    static final String PID = "meshnode.mesh";

    @ObjectClassDefinition(name = "Meshnode mesh", description = "This node and its peers (etc/meshnode.mesh.cfg).")
    public @interface Config {
        @AttributeDefinition(description = "host:port this node listens on and dials from. Each node on one machine needs its own address, e.g. 127.0.0.2:7800.")
        String listen() default "127.0.0.1:7800";

        @AttributeDefinition(description = "masternode or fullnode.")
        String role() default "masternode";

        @AttributeDefinition(description = "Comma-separated host:port of the peers, optionally id@host:port to pin a peer's node id.")
        String peers() default "";

        @AttributeDefinition(name = "dial.grace", description = "How long to wait for the designated dialer of a pair before dialing anyway (jittered down by up to 25%).")
        String dial_grace() default "10s";

        @AttributeDefinition(description = "Who may link: peers (only node ids pinned in peers as id@host:port) or any (any node that proves the key its id derives from).")
        String admit() default "peers";

        @AttributeDefinition(name = "ban.after", description = "Offences (failed or abandoned handshakes, malformed or oversized frames, refused identities) from one source address within ban.window that ban it.")
        String ban_after() default "5";

        @AttributeDefinition(name = "ban.window", description = "The period over which offences are counted.")
        String ban_window() default "1m";

        @AttributeDefinition(name = "ban.time", description = "How long a ban lasts; 0s disables banning.")
        String ban_time() default "10m";
    }

    @Reference(service = LoggerFactory.class)
    private Logger log;

    private final AtomicReference<Transport> transport = new AtomicReference<>();
    private final AtomicReference<RetryPolicy> retry = new AtomicReference<>();
    private final AtomicReference<HealthMonitor> health = new AtomicReference<>();
    private final AtomicReference<Topology> topology = new AtomicReference<>();
    // SCR may bind dynamic references before the logger; bindings before activation are not swaps and are not logged.
    private final Providers providers = new Providers(line -> {
        Logger l = log;
        if (l != null && this.scheduler != null) {
            l.info(line);
        }
    }, () -> this.scheduler);
    private final List<MeshListener> listeners = new CopyOnWriteArrayList<>();
    private final Map<MessageHandler, Set<String>> handlers = new ConcurrentHashMap<>();

    private volatile ExecutorScheduler scheduler;
    private static final String FILEINSTALL_FILENAME = "felix.fileinstall.filename";
    private Path home;
    private final Object configLock = new Object();
    private final AtomicReference<CompletableFuture<Void>> reconfigured = new AtomicReference<>();

    // Optional: without it the mesh runs from its configuration, only connect/disconnect say they cannot write it.
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile ConfigurationAdmin configAdmin;
    private MeshEngine engine;
    private volatile MeshSettings settings;
    private BundleContext context;
    private RestartMarker restart;

    @Activate
    void activate(BundleContext context, Config config, Map<String, Object> properties) throws IOException {
        this.context = context;
        Path data = NodeHome.data(context);
        home = NodeHome.home(context);
        restart = new RestartMarker(data);
        boolean prompt = restart.consume(System.currentTimeMillis());
        Identity identity = Identity.loadOrCreate(data);
        KnownPeers known = new KnownPeers(data.resolve("peers.properties"));
        try {
            known.load();
        } catch (IOException e) {
            log.warn("cannot read {}: {}; node ids will be learned again", data.resolve("peers.properties"), e.getMessage());
        }
        settings = parse(config, properties);
        if (settings == null) {
            settings = defaults();
        }
        scheduler = new ExecutorScheduler("meshnode-mesh");
        MeshEngine.Services services = new MeshEngine.Services() {
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
        };
        engine = new MeshEngine(scheduler, log, identity, known, services, new Events(),
            () -> ThreadLocalRandom.current().nextDouble());
        MeshSettings initial = settings;
        Admission admission = parseAdmission(config, properties);
        engine.admission(admission == null ? Admission.DEFAULTS : admission);
        log.info("providers at start: {}", providers.snapshot().stream()
            .map(p -> p.role + "=" + p.component + " (" + p.bundle + " " + p.version + ")").toList());
        if (prompt) {
            log.info("the mesh restarted while the node stayed up: dialing every peer at once");
        }
        scheduler.execute(() -> engine.start(initial, prompt));
    }

    @Modified
    void modified(Config config, Map<String, Object> properties) {
        MeshSettings next = parse(config, properties);
        Admission admission = parseAdmission(config, properties);
        if (next != null) {
            settings = next;
        }
        // One task: peers and admission change together (see MeshEngine.reconfigure).
        scheduler.execute(() -> {
            engine.reconfigure(next, admission);
            if (next != null) {
                CompletableFuture<Void> waiting = reconfigured.getAndSet(null);
                if (waiting != null) {
                    waiting.complete(null);
                }
            }
        });
    }

    private Admission parseAdmission(Config config, Map<String, Object> properties) {
        try {
            return Admission.parse(config, ConfigValues.of(properties, PID));
        } catch (ConfigException e) {
            log.error("{}; keeping the previous admission settings", e.getMessage());
            return null;
        }
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        boolean restarting = RestartMarker.nodeStaysUp(context);
        if (restarting) {
            try {
                restart.write(System.currentTimeMillis());
            } catch (IOException e) {
                log.warn("cannot write the restart marker: {}", e.getMessage());
            }
        }
        FutureTask<Void> stop = new FutureTask<>(() -> engine.stop(restarting), null);
        scheduler.execute(stop);
        try {
            stop.get(5, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            log.warn("stopping the mesh: {}", e.toString());
        }
        providers.flush(); // a swap still settling is reported before the mesh thread goes
        scheduler.shutdown();
        scheduler = null; // references are unbound after this; they find no mesh thread to wait for
    }

    private MeshSettings parse(Config config, Map<String, Object> properties) {
        try {
            return MeshSettings.parse(config, ConfigValues.of(properties, PID));
        } catch (ConfigException e) {
            log.error("{}; keeping the previous mesh configuration", e.getMessage());
            return null;
        }
    }

    private static MeshSettings defaults() {
        return new MeshSettings(ConfigValues.parseEndpoint("127.0.0.1:7800"), NodeRole.MASTERNODE, List.of(),
            java.time.Duration.ofSeconds(10));
    }

    // ---------------------------------------------------------------- dynamic references
    // Named, so that an operator pins a provider with transport.target, retry.target, health.target or
    // topology.target (an LDAP filter) in etc/meshnode.mesh.cfg; SCR rebinds live when the filter changes.

    @Reference(name = "transport", cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    void bindTransport(Transport s, ServiceReference<Transport> ref) {
        transport.set(s);
        providers.bind("transport", s, ref);
        servicesChanged();
    }

    void unbindTransport(Transport s) {
        providers.unbind("transport", s);
        // Also when a replacement is bound already (greedy: it is bound first): s still carries links.
        awaitFarewell(s, transport.compareAndSet(s, null));
    }

    /**
     * The transport is going away, and SCR deactivates it when this returns: say goodbye on its links
     * first (so the peers see a clean, non-failure close and do not back off), waiting at most a second.
     *
     * @param none {@code true} if no other transport replaces it
     */
    private void awaitFarewell(Transport leaving, boolean none) {
        ExecutorScheduler s = scheduler;
        if (s == null || s.inThread()) {
            servicesChanged();
            return;
        }
        // When the whole node stops, the transport usually stops before this bundle: the goodbye then says
        // "shutting down" (a failure for nobody, and no promise to reconnect), and the mesh stops here.
        boolean nodeStops = none && !RestartMarker.nodeStaysUp(context);
        FutureTask<CompletableFuture<Void>> task = new FutureTask<>(() -> {
            if (nodeStops) {
                engine.stop(false);
                return engine.farewell();
            }
            return engine.release(leaving);
        });
        s.execute(task);
        try {
            task.get(1, TimeUnit.SECONDS).get(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.debug("goodbyes before the transport left: {}", e.toString());
        }
    }

    @Reference(name = "retry", cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    void bindRetry(RetryPolicy s, ServiceReference<RetryPolicy> ref) {
        retry.set(s);
        providers.bind("retry", s, ref);
        servicesChanged();
    }

    void unbindRetry(RetryPolicy s) {
        providers.unbind("retry", s);
        if (retry.compareAndSet(s, null)) {
            servicesChanged();
        }
    }

    @Reference(name = "health", cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    void bindHealth(HealthMonitor s, ServiceReference<HealthMonitor> ref) {
        health.set(s);
        providers.bind("health", s, ref);
        servicesChanged();
    }

    void unbindHealth(HealthMonitor s) {
        providers.unbind("health", s);
        if (health.compareAndSet(s, null)) {
            servicesChanged();
        }
    }

    @Reference(name = "topology", cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    void bindTopology(Topology s, ServiceReference<Topology> ref) {
        topology.set(s);
        providers.bind("topology", s, ref);
        servicesChanged();
    }

    void unbindTopology(Topology s) {
        providers.unbind("topology", s);
        if (topology.compareAndSet(s, null)) {
            servicesChanged();
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void bindListener(MeshListener l) {
        listeners.add(l);
    }

    void unbindListener(MeshListener l) {
        listeners.remove(l);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void bindHandler(MessageHandler h, Map<String, Object> properties) {
        handlers.put(h, topics(properties.get(MessageHandler.TOPIC)));
    }

    void updatedHandler(MessageHandler h, Map<String, Object> properties) {
        bindHandler(h, properties);
    }

    void unbindHandler(MessageHandler h) {
        handlers.remove(h);
    }

    private static Set<String> topics(Object value) {
        if (value instanceof String[]) {
            return Set.of((String[]) value);
        }
        if (value instanceof java.util.Collection) {
            return Set.copyOf(((java.util.Collection<?>) value).stream().map(String::valueOf).toList());
        }
        return value == null ? Set.of() : Set.of(value.toString());
    }

    private void servicesChanged() {
        ExecutorScheduler s = scheduler;
        if (s != null) {
            s.execute(() -> engine.servicesChanged());
        }
    }

    // ---------------------------------------------------------------- Mesh and Messaging

    @Override
    public NodeDTO node() {
        NodeDTO n = call(() -> engine.node());
        n.providers = providers.snapshot();
        return n;
    }

    @Override
    public List<PeerDTO> peers() {
        return call(() -> engine.peers());
    }

    @Override
    public PeerDTO peer(String ref) {
        return call(() -> engine.peer(ref));
    }

    @Override
    public PeerDTO reconnect(String ref) {
        return call(() -> engine.reconnect(ref));
    }

    @Override
    public PeerDTO connect(String spec) {
        synchronized (configLock) {
            MeshSettings.PeerSpec peer = MeshSettings.peer(spec == null ? "" : spec, settings.listen());
            PeerDTO existing = call(() -> engine.peerAt(peer.endpoint()));
            if (existing != null && existing.configured && (peer.id() == null || existing.pinned && peer.id().equals(existing.id))) {
                return existing;
            }
            String entry = (peer.id() == null ? "" : peer.id() + "@") + ConfigValues.format(peer.endpoint());
            log.info("operator connect: adding peer {} to the configuration", entry);
            return editPeers(current -> PeerList.with(current, entry, peer.endpoint()),
                () -> {
                    PeerDTO p = engine.peerAt(peer.endpoint());
                    return p != null && p.configured && (peer.id() == null || peer.id().equals(p.id)) ? p : null;
                });
        }
    }

    @Override
    public PeerDTO disconnect(String ref) {
        synchronized (configLock) {
            MeshEngine.Peer[] found = new MeshEngine.Peer[1];
            PeerDTO before = call(() -> {
                found[0] = engine.resolve(ref);
                return found[0].configured ? engine.dto(found[0]) : engine.disconnectUnconfigured(found[0]);
            });
            if (!before.configured) {
                return before;
            }
            InetSocketAddress endpoint = found[0].endpoint;
            log.info("operator disconnect: removing peer {} from the configuration", found[0]);
            editPeers(current -> PeerList.without(current, endpoint), () -> {
                PeerDTO p = engine.peerAt(endpoint);
                return p == null || !p.configured ? before : null;
            });
            return before;
        }
    }

    @Override
    public CompletionStage<java.time.Duration> ping(String ref) {
        CompletableFuture<java.time.Duration> result = new CompletableFuture<>();
        scheduler.execute(() -> {
            try {
                engine.ping(ref).whenComplete((d, e) -> {
                    if (e != null) {
                        result.completeExceptionally(e);
                    } else {
                        result.complete(d);
                    }
                });
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    /**
     * Writes a new {@code peers} value to {@code etc/meshnode.mesh.cfg} (through Config Admin when the configuration
     * has no file) and waits until the mesh has applied it, so that the next command sees it.
     */
    /** @return the file FileInstall read this configuration from, else {@code etc/meshnode.mesh.cfg} of the node home if there is one */
    private Path configFile(Object fileinstall) {
        if (fileinstall != null) {
            String name = fileinstall.toString();
            return name.startsWith("file:") ? Path.of(java.net.URI.create(name)) : Path.of(name);
        }
        return home == null ? null : home.resolve("etc").resolve(PID + ".cfg");
    }

    private PeerDTO editPeers(java.util.function.UnaryOperator<String> edit, Callable<PeerDTO> applied) {
        ConfigurationAdmin cm = configAdmin;
        if (cm == null) {
            throw new IllegalStateException("Config Admin is not available: the peer list cannot be changed now");
        }
        try {
            Configuration c = cm.getConfiguration(PID, "?");
            Dictionary<String, Object> props = c.getProperties();
            if (props == null) {
                props = new Hashtable<>();
            }
            Object current = props.get("peers");
            String value = edit.apply(current == null ? "" : current.toString());
            Path file = configFile(props.get(FILEINSTALL_FILENAME));
            if (file != null) {
                // The operator's file is the source of truth: edit it and let FileInstall apply it, as for any edit.
                CfgFile.set(file, "peers", value);
            } else {
                props.put("peers", value);
                c.update(props);
            }
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot write the mesh configuration: " + e.getMessage(), e);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            PeerDTO p = call(applied);
            if (p != null) {
                return p;
            }
            CompletableFuture<Void> next = new CompletableFuture<>();
            reconfigured.set(next);
            try {
                // Woken by the next applied configuration; re-checked at least every 100 ms.
                next.get(100, TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException e) {
                // check again
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted");
            }
        }
        throw new IllegalStateException("the configuration was written but not applied within 10s; "
            + "check the log for an invalid value in etc/meshnode.mesh.cfg");
    }

    @Override
    public List<BanDTO> bans() {
        return call(() -> engine.bans());
    }

    @Override
    public List<BanDTO> unban(String ref) {
        return call(() -> engine.unban(ref));
    }

    @Override
    public CompletionStage<Void> send(String peer, String topic, byte[] payload) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        scheduler.execute(() -> engine.send(peer, topic, payload).whenComplete((v, e) -> {
            if (e != null) {
                result.completeExceptionally(e);
            } else {
                result.complete(null);
            }
        }));
        return result;
    }

    @Override
    public Map<String, CompletionStage<Void>> broadcast(String topic, byte[] payload) {
        return call(() -> engine.broadcast(topic, payload));
    }

    /** Runs on the mesh thread and waits; the console and API callers are never event-loop threads. */
    private <T> T call(Callable<T> task) {
        try {
            if (scheduler.inThread()) {
                return task.call();
            }
            FutureTask<T> f = new FutureTask<>(task);
            scheduler.execute(f);
            return f.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException) {
                throw (RuntimeException) e.getCause();
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        } catch (TimeoutException e) {
            throw new IllegalStateException("the mesh did not answer within 10s");
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private final class Events implements MeshEngine.Events {
        @Override
        public void peerChanged(PeerDTO peer, PeerState previous) {
            for (MeshListener l : listeners) {
                try {
                    l.peerChanged(peer, previous);
                } catch (RuntimeException e) {
                    log.error("mesh listener {} failed: {}", l, e.toString());
                }
            }
        }

        @Override
        public void message(String peerId, String topic, byte[] payload) {
            int delivered = 0;
            for (Map.Entry<MessageHandler, Set<String>> e : handlers.entrySet()) {
                if (e.getValue().contains(topic)) {
                    delivered++;
                    try {
                        e.getKey().onMessage(peerId, topic, payload);
                    } catch (RuntimeException x) {
                        log.error("message handler for topic '{}' failed: {}", topic, x.toString());
                    }
                }
            }
            if (delivered == 0) {
                log.debug("no handler for topic '{}' from {}", topic, peerId);
            }
        }

        @Override
        public void listening(String nodeId, InetSocketAddress address) {
            String at = ConfigValues.format(address);
            for (MeshListener l : listeners) {
                try {
                    l.listening(nodeId, at);
                } catch (RuntimeException e) {
                    log.error("mesh listener {} failed: {}", l, e.toString());
                }
            }
        }
    }
}
