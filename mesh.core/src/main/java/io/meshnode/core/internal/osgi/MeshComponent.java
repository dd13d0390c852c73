package io.meshnode.core.internal.osgi;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
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
import org.osgi.service.metatype.annotations.Designate;

import io.meshnode.api.config.ConfigException;
import io.meshnode.api.config.ConfigValues;
import io.meshnode.api.health.HealthMonitor;
import io.meshnode.api.home.NodeHome;
import io.meshnode.api.mesh.BanDTO;
import io.meshnode.api.mesh.Bans;
import io.meshnode.api.mesh.Mesh;
import io.meshnode.api.mesh.MeshListener;
import io.meshnode.api.mesh.NodeDTO;
import io.meshnode.api.mesh.PeerDTO;
import io.meshnode.api.membership.Membership;
import io.meshnode.api.messaging.MessageHandler;
import io.meshnode.api.messaging.Messaging;
import io.meshnode.api.retry.RetryPolicy;
import io.meshnode.api.topology.NodeRef;
import io.meshnode.api.topology.NodeRole;
import io.meshnode.api.topology.Topology;
import io.meshnode.api.transport.Transport;
import io.meshnode.core.internal.config.KnownPeers;
import io.meshnode.core.internal.config.MeshConfig;
import io.meshnode.core.internal.config.MeshSettings;
import io.meshnode.core.internal.config.SavedState;
import io.meshnode.core.internal.engine.MeshEngine;
import io.meshnode.core.internal.security.Admission;
import io.meshnode.core.internal.security.Identity;

/**
 * The mesh as an OSGi component: binds transport, topology, health and retry dynamically and optionally, so
 * that updating any of their bundles never deactivates it (a mandatory reference whose only provider is updated
 * would re-create this component and drop every link), and hands everything to the {@link MeshEngine} through
 * the {@link MeshGateway}.
 */
@Component(immediate = true, configurationPid = MeshComponent.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
    service = {Mesh.class, Messaging.class, Bans.class})
@Designate(ocd = MeshConfig.class)
public class MeshComponent implements Mesh, Messaging, Bans {
    static final String PID = "meshnode.mesh";
    private static final long STOP_SECONDS = 5;

    private final Logger log;
    private final BundleContext context;
    private final RestartMarker restart;
    private final ExecutorScheduler scheduler;
    private final MeshGateway gateway;
    private final MeshEngine engine;
    private final Whiteboard whiteboard;
    private final PeerConfigEditor editor;
    private final Providers providers;
    private final ProviderSlots slots;
    private final StateKeeper state;
    private volatile MeshSettings settings;
    /** Set once SCR has bound the services present at start: later bindings are swaps and are reported. */
    private volatile boolean started;
    // Optional: without it the mesh runs from its configuration, only connect/disconnect say they cannot write it.
    private volatile ConfigurationAdmin configAdmin;
    private volatile Membership membership;
    /** The goodbyes {@link #deactivate()} sent on every link: written, or given up at the transport's close deadline. */
    private volatile CompletableFuture<Void> stopGoodbyes = CompletableFuture.completedFuture(null);

    @Activate
    public MeshComponent(BundleContext context, @Reference(service = LoggerFactory.class) Logger log, MeshConfig config,
        Map<String, Object> properties) throws IOException {
        this.context = context;
        this.log = log;
        Path data = NodeHome.data(context);
        restart = new RestartMarker(data);
        boolean prompt = restart.consume(System.currentTimeMillis());
        Identity identity = Identity.loadOrCreate(data);
        KnownPeers known = new KnownPeers(data.resolve("peers.properties"));
        try {
            known.load();
        } catch (IOException e) {
            log.warn("cannot read {}: {}; node ids will be learned again", data.resolve("peers.properties"), e.getMessage());
        }
        MeshSettings parsed = parse(config, properties);
        settings = parsed != null ? parsed : defaults();
        scheduler = new ExecutorScheduler("meshnode-mesh", e -> log.error("a task on the mesh thread failed: {}", e.toString(), e));
        gateway = new MeshGateway(scheduler);
        whiteboard = new Whiteboard(context, log);
        providers = new Providers(line -> {
            if (started) {
                log.info(line);
            }
        }, () -> started ? scheduler : null);
        slots = new ProviderSlots(providers);
        engine = new MeshEngine(scheduler, log, identity, known, slots, whiteboard, () -> ThreadLocalRandom.current().nextDouble());
        editor = new PeerConfigEditor(log, gateway, engine, NodeHome.home(context), () -> configAdmin);
        Admission admission = parseAdmission(config, properties);
        MeshSettings initial = settings;
        if (prompt) {
            log.info("the mesh restarted while the node stayed up: dialing every peer at once");
        }
        state = new StateKeeper(data, log);
        SavedState saved = state.read();
        long elapsed = saved.savedAt() == 0 ? 0 : Math.max(0, System.currentTimeMillis() - saved.savedAt());
        gateway.post(() -> {
            engine.admission(admission == null ? Admission.DEFAULTS : admission);
            engine.start(initial, prompt, saved, elapsed);
        });
        scheduler.schedule(this::saveState, StateKeeper.EVERY_MILLIS);
    }

    /** Saves the peers' state every half minute when it changed, written off the mesh thread. */
    private void saveState() {
        state.save(engine.save());
        scheduler.schedule(this::saveState, StateKeeper.EVERY_MILLIS);
    }

    /** SCR calls this after the constructor and the bind methods of the services present at start. */
    @Activate
    void started() {
        log.info("providers at start: {}", providers.snapshot().stream()
            .map(p -> p.role + "=" + p.component + " (" + p.bundle + " " + p.version + ")").toList());
        started = true;
    }

    @Modified
    void modified(MeshConfig config, Map<String, Object> properties) {
        MeshSettings next = parse(config, properties);
        Admission admission = parseAdmission(config, properties);
        if (next != null) {
            settings = next;
        }
        // One task: peers and admission change together (see MeshEngine.reconfigure).
        gateway.post(() -> {
            engine.reconfigure(next, admission);
            if (next != null) {
                editor.applied();
            }
        });
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
        try {
            gateway.stop(() -> {
                engine.stop(restarting);
                stopGoodbyes = engine.farewell();
                state.saveNow(engine.save());
            }, STOP_SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            log.warn("stopping the mesh: {}", e.toString());
        }
        state.close();
        providers.flush(); // a swap still settling is reported before the mesh thread goes
        scheduler.shutdown();
        whiteboard.close();
    }

    private MeshSettings parse(MeshConfig config, Map<String, Object> properties) {
        try {
            return MeshSettings.parse(config, ConfigValues.of(properties, PID));
        } catch (ConfigException e) {
            log.error("{}; keeping the previous mesh configuration", e.getMessage());
            return null;
        }
    }

    private Admission parseAdmission(MeshConfig config, Map<String, Object> properties) {
        try {
            return Admission.parse(config, ConfigValues.of(properties, PID));
        } catch (ConfigException e) {
            log.error("{}; keeping the previous admission settings", e.getMessage());
            return null;
        }
    }

    private static MeshSettings defaults() {
        return new MeshSettings(ConfigValues.parseEndpoint("127.0.0.1:7800"), NodeRole.MASTERNODE, List.of(),
            Duration.ofSeconds(10));
    }

    // ---------------------------------------------------------------- dynamic references
    // Named, so that an operator pins a provider with transport.target, retry.target, health.target or
    // topology.target (an LDAP filter) in etc/meshnode.mesh.cfg; SCR rebinds live when the filter changes.

    @Reference(name = "transport", cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    void bindTransport(Transport s, ServiceReference<Transport> ref) {
        slots.transport.set(s);
        bound(Role.TRANSPORT, s, ref);
    }

    void unbindTransport(Transport s) {
        providers.unbind(Role.TRANSPORT, s);
        // Also when a replacement is bound already (greedy: it is bound first): s still carries links.
        awaitFarewell(s, slots.transport.compareAndSet(s, null));
    }

    /**
     * The transport is going away, and SCR deactivates it when this returns: say goodbye on its links first (so
     * the peers see a clean, non-failure close and do not back off), waiting at most a second.
     *
     * @param none {@code true} if no other transport replaces it
     */
    private void awaitFarewell(Transport leaving, boolean none) {
        if (gateway.inMeshThread()) {
            servicesChanged();
            return;
        }
        // When the whole node stops, the transport usually stops before this bundle: the goodbye then says
        // "shutting down" (a failure for nobody, and no promise to reconnect), and the mesh stops here.
        boolean nodeStops = none && !RestartMarker.nodeStaysUp(context);
        // Once this component is deactivated (SCR unbinds its references after deactivate), the mesh thread runs
        // no more tasks: the goodbyes are the ones deactivate sent on every link, and they are all there is to wait for.
        CompletableFuture<CompletableFuture<Void>> goodbyes = gateway.stopped()
            ? CompletableFuture.completedFuture(stopGoodbyes)
            : gateway.submit(() -> {
                if (nodeStops) {
                    engine.stop(false);
                    return engine.farewell();
                }
                return engine.release(leaving);
            });
        try {
            goodbyes.get(1, TimeUnit.SECONDS).get(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.debug("goodbyes before the transport left: {}", e.toString());
        }
    }

    @Reference(name = "retry", cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    void bindRetry(RetryPolicy s, ServiceReference<RetryPolicy> ref) {
        slots.retry.set(s);
        bound(Role.RETRY, s, ref);
    }

    void unbindRetry(RetryPolicy s) {
        unbound(Role.RETRY, s, slots.retry);
    }

    @Reference(name = "health", cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    void bindHealth(HealthMonitor s, ServiceReference<HealthMonitor> ref) {
        slots.health.set(s);
        bound(Role.HEALTH, s, ref);
    }

    // Declarative Services updates a component's service properties when its configuration is modified: for the
    // bound monitor that means new settings (etc/meshnode.heartbeat.cfg edited), which the links' checks follow now.
    void updatedHealth(HealthMonitor s, ServiceReference<HealthMonitor> ref) {
        if (slots.health.get() == s) {
            gateway.post(engine::healthSettingsChanged);
        }
    }

    void unbindHealth(HealthMonitor s) {
        unbound(Role.HEALTH, s, slots.health);
    }

    @Reference(name = "topology", cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    void bindTopology(Topology s, ServiceReference<Topology> ref) {
        slots.topology.set(s);
        bound(Role.TOPOLOGY, s, ref);
    }

    void unbindTopology(Topology s) {
        unbound(Role.TOPOLOGY, s, slots.topology);
    }

    private void bound(Role role, Object service, ServiceReference<?> ref) {
        providers.bind(role, service, ref);
        servicesChanged();
    }

    private <T> void unbound(Role role, T service, AtomicReference<T> slot) {
        providers.unbind(role, service);
        if (slot.compareAndSet(service, null)) {
            servicesChanged();
        }
    }

    // The peers follow an integrator's membership (membership.target pins one): read at bind and at every change
    // of its service properties, which is how a membership announces new members.
    @Reference(name = "membership", cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    void bindMembership(Membership m, ServiceReference<Membership> ref) {
        membership = m;
        membersChanged(m, ref);
    }

    void updatedMembership(Membership m, ServiceReference<Membership> ref) {
        membersChanged(m, ref);
    }

    void unbindMembership(Membership m) {
        if (membership == m) {
            membership = null;
            gateway.post(() -> engine.membership(null));
        }
    }

    private void membersChanged(Membership m, ServiceReference<Membership> ref) {
        Set<NodeRef> members = ProviderSlots.members(m, ref, log);
        if (members != null) {
            gateway.post(() -> engine.membership(members));
        }
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    void bindConfigAdmin(ConfigurationAdmin cm) {
        configAdmin = cm;
    }

    void unbindConfigAdmin(ConfigurationAdmin cm) {
        if (configAdmin == cm) {
            configAdmin = null;
        }
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void bindListener(MeshListener l) {
        whiteboard.add(l);
    }

    void unbindListener(MeshListener l) {
        whiteboard.remove(l);
    }

    // By reference: the handler object is got when its first message arrives, not here, so a component that
    // handles topics and references Messaging does not make a circle with this one.
    @Reference(service = MessageHandler.class, cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void bindHandler(ServiceReference<MessageHandler> ref) {
        whiteboard.add(ref);
    }

    void updatedHandler(ServiceReference<MessageHandler> ref) {
        whiteboard.add(ref);
    }

    void unbindHandler(ServiceReference<MessageHandler> ref) {
        whiteboard.remove(ref);
    }

    private void servicesChanged() {
        gateway.post(engine::servicesChanged);
    }

    // ---------------------------------------------------------------- Mesh, Messaging, Bans

    @Override
    public NodeDTO node() {
        NodeDTO n;
        try {
            n = gateway.call(engine::node);
        } catch (IllegalStateException e) {
            throw new IllegalStateException(e.getMessage() + " (mesh thread lag " + engine.lagMillis() + " ms)", e);
        }
        n.providers = providers.snapshot();
        n.dropped = whiteboard.dropped();
        return n;
    }

    @Override
    public List<PeerDTO> peers() {
        return gateway.call(engine::peers);
    }

    @Override
    public PeerDTO peer(String ref) {
        return gateway.call(() -> engine.peer(ref));
    }

    @Override
    public PeerDTO reconnect(String ref) {
        return gateway.call(() -> engine.reconnect(ref));
    }

    @Override
    public PeerDTO connect(String spec) {
        return editor.connect(spec, settings.listen());
    }

    @Override
    public PeerDTO disconnect(String ref) {
        return editor.disconnect(ref);
    }

    @Override
    public CompletionStage<Duration> ping(String ref) {
        return gateway.async(() -> engine.ping(ref));
    }

    @Override
    public List<BanDTO> bans() {
        return gateway.call(engine::bans);
    }

    @Override
    public List<BanDTO> unban(String ref) {
        return gateway.call(() -> engine.unban(ref));
    }

    @Override
    public CompletionStage<Void> send(String peer, String topic, byte[] payload) {
        if (gateway.stopped()) {
            return CompletableFuture.failedFuture(new IllegalStateException("the mesh is stopped"));
        }
        // On the caller's thread: a connected peer named by its whole id is written to directly; one named otherwise
        // (id prefix, host:port) or not connected is looked up on the mesh thread first, and the payload still
        // leaves from this thread, so sends made in order from here keep their order however the peer is named.
        CompletionStage<Void> sent = engine.sendDirect(peer, topic, payload);
        if (sent != null) {
            return sent;
        }
        try {
            String id = gateway.call(() -> engine.connectedId(peer));
            sent = engine.sendDirect(id, topic, payload);
            return sent != null ? sent : CompletableFuture.failedFuture(
                new IllegalStateException("peer " + peer + " is not connected (its link closed meanwhile)"));
        } catch (IllegalArgumentException | IllegalStateException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public CompletionStage<Void> whenWritable(String peer) {
        return gateway.async(() -> engine.whenWritable(peer));
    }

    @Override
    public Map<String, CompletionStage<Void>> broadcast(String topic, byte[] payload) {
        if (gateway.stopped()) {
            throw new IllegalStateException("the mesh is stopped");
        }
        return engine.broadcast(topic, payload);
    }
}
