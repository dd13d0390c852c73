package io.meshnode.metrics.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

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
import io.meshnode.api.mesh.Bans;
import io.meshnode.api.mesh.Mesh;
import io.meshnode.api.mesh.MeshListener;
import io.meshnode.api.mesh.NodeDTO;
import io.meshnode.api.mesh.PeerDTO;
import io.meshnode.api.mesh.PeerState;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * Serves the node's metrics in the Prometheus text format at {@code http://<host>:<port>/metrics}, with the
 * Prometheus Java client's HTTP server. Configuration changes rebind the server live; a bad value, or an address
 * that cannot be bound, is logged and the node runs on (with the previous endpoint if there was one). The Mesh and
 * Bans references are optional and dynamic: while mesh.core is updated the endpoint stays up and reports
 * {@code meshnode_up 0}, and the counters kept here survive.
 */
@Component(configurationPid = MetricsComponent.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
    immediate = true, service = MeshListener.class)
@Designate(ocd = MetricsComponent.Config.class)
public class MetricsComponent implements MeshListener {
    static final String PID = "meshnode.metrics";
    private static final InetSocketAddress OFF = InetSocketAddress.createUnresolved("off", 0);

    @ObjectClassDefinition(name = "Meshnode metrics",
        description = "The Prometheus metrics endpoint, http://host:port/metrics (etc/meshnode.metrics.cfg).")
    public @interface Config {
        @AttributeDefinition(description = "Serve the metrics endpoint: true or false.")
        String enabled() default "true";

        @AttributeDefinition(required = false, description = "Address the endpoint listens on. Not set: the mesh's "
            + "listen host if that is a loopback address (each node on 127.0.0.2, 127.0.0.3, ... gets its own), "
            + "else 127.0.0.1. Anything but a loopback address makes the metrics reachable from the network.")
        String host() default "";

        @AttributeDefinition(description = "TCP port of the endpoint (0: any free port, shown in the log).")
        String port() default "7802";
    }

    private final Logger log;
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final MeshMetrics metrics;
    private final AtomicReference<Mesh> mesh = new AtomicReference<>();
    private final AtomicReference<Bans> bans = new AtomicReference<>();
    private final AtomicReference<String> lastProblem = new AtomicReference<>();
    /** Binds and closes servers and asks the mesh for its listen host, never on the framework's or mesh's thread. */
    private final ExecutorService worker = Executors.newSingleThreadExecutor(daemon("meshnode-metrics"));
    private final AtomicBoolean refreshQueued = new AtomicBoolean();
    /** Written on the worker; read by the listener to know whether the host follows the mesh. */
    private volatile Settings settings;
    // confined to the worker
    /** The endpoint asked for last ({@link #OFF} when disabled), bound or not: a failed one is not retried until it changes. */
    private InetSocketAddress wanted;
    /** Where {@link #server} listens (the port asked for, 0 included). */
    private InetSocketAddress serving;
    private HTTPServer server;

    @Activate
    public MetricsComponent(@Reference(service = LoggerFactory.class) Logger log, Config config,
        Map<String, Object> properties) {
        this.log = log;
        this.metrics = new MeshMetrics(registry, mesh::get, bans::get, this::problem);
        modified(config, properties);
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    void bindMesh(Mesh m) {
        mesh.set(m);
        queueRefresh();
    }

    void unbindMesh(Mesh m) {
        mesh.compareAndSet(m, null);
    }

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    void bindBans(Bans b) {
        bans.set(b);
    }

    void unbindBans(Bans b) {
        bans.compareAndSet(b, null);
    }

    @Override
    public void peerChanged(PeerDTO peer, PeerState previous) {
        metrics.peerChanged(peer, previous);
        Settings s = settings;
        if (s == null || s.host() == null) {
            // The default host follows the mesh's listen host, which a live change of etc/meshnode.mesh.cfg moves
            // (its links re-form, so events arrive). Asked on the worker: a listener must not wait for the mesh.
            queueRefresh();
        }
    }

    /** One refresh queued at most, however many events ask for one. */
    private void queueRefresh() {
        if (refreshQueued.compareAndSet(false, true)) {
            run(() -> {
                refreshQueued.set(false);
                refresh();
            });
        }
    }

    private void run(Runnable task) {
        try {
            worker.execute(task);
        } catch (RejectedExecutionException e) {
            // deactivated: nothing left to do
        }
    }

    @Modified
    void modified(Config config, Map<String, Object> properties) {
        run(() -> {
            try {
                settings = Settings.parse(config, ConfigValues.of(properties, PID));
            } catch (ConfigException e) {
                log.error("{}; keeping the previous metrics configuration ({})", e.getMessage(),
                    server != null ? "on " + describe(new InetSocketAddress(serving.getAddress(), server.getPort()))
                        : "off");
                return;
            }
            refresh();
        });
    }

    /** Applies the settings and the mesh's listen host as they are now: rebinds only if the endpoint changed. */
    private void refresh() {
        Settings s = settings;
        if (s == null) {
            return;
        }
        InetSocketAddress next = !s.enabled() ? OFF : s.endpoint(s.host() == null ? meshListen() : null);
        if (next == null || next.equals(wanted)) {
            return; // the default host waits for the mesh; or nothing changed (a failed address included)
        }
        InetSocketAddress running = server != null ? serving : null;
        stop();
        wanted = next;
        if (next == OFF) {
            log.info("metrics endpoint off (enabled = false)");
        } else if (start(next)) {
            serving = next;
        } else if (running != null && start(running)) {
            serving = running;
            log.warn("metrics endpoint: back on the previous address {}", describe(running));
        }
    }

    private String meshListen() {
        Mesh m = mesh.get();
        if (m == null) {
            return null;
        }
        try {
            NodeDTO n = m.node();
            return n == null ? null : n.listen;
        } catch (RuntimeException e) {
            return null;
        }
    }

    private boolean start(InetSocketAddress at) {
        if (!at.getAddress().isLoopbackAddress()) {
            log.warn("metrics endpoint: host {} is not a loopback address; the metrics are reachable from the network",
                at.getAddress().getHostAddress());
        }
        ExecutorService http = Executors.newFixedThreadPool(2, daemon("meshnode-metrics-http"));
        try {
            server = HTTPServer.builder().inetAddress(at.getAddress()).port(at.getPort()).registry(registry)
                .executorService(http).buildAndStart();
            log.info("metrics endpoint: http://{}/metrics", describe(new InetSocketAddress(at.getAddress(),
                server.getPort())));
            return true;
        } catch (IOException | RuntimeException e) {
            http.shutdownNow();
            server = null;
            log.error("metrics endpoint cannot listen on {}: {} (set another host or port in "
                + "etc/meshnode.metrics.cfg); the node runs on without it", describe(at), e.toString());
            return false;
        }
    }

    private void stop() {
        if (server != null) {
            server.close();
            server = null;
        }
    }

    private static String describe(InetSocketAddress a) {
        return a == null ? "nothing" : ConfigValues.format(a);
    }

    /** Logs a failing mesh call once, not at every scrape. */
    private void problem(String text) {
        if (!Objects.equals(lastProblem.getAndSet(text), text)) {
            log.warn(text);
        }
    }

    /** @return the port the endpoint listens on, or -1 when there is none (tests) */
    int port() throws InterruptedException, ExecutionException {
        return worker.submit(() -> server == null ? -1 : server.getPort()).get();
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, n.incrementAndGet() == 1 ? name : name + "-" + n.get());
            t.setDaemon(true);
            return t;
        };
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        run(this::stop);
        worker.shutdown();
        if (!worker.awaitTermination(10, TimeUnit.SECONDS)) {
            log.warn("metrics endpoint: still closing after 10 s");
        }
    }
}
