package io.meshnode.core.internal.engine;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.meshnode.api.config.ConfigValues;
import io.meshnode.api.health.HealthMonitor;
import io.meshnode.api.mesh.PeerDTO;
import io.meshnode.api.mesh.PeerState;
import io.meshnode.api.retry.RetryPolicy;
import io.meshnode.api.testing.Configs;
import io.meshnode.api.testing.RecordingLogger;
import io.meshnode.api.topology.Topology;
import io.meshnode.api.transport.Transport;
import io.meshnode.core.internal.config.KnownPeers;
import io.meshnode.core.internal.config.MeshConfig;
import io.meshnode.core.internal.config.MeshSettings;
import io.meshnode.core.internal.security.Admission;
import io.meshnode.core.internal.security.Identity;

/**
 * One engine over the {@link FakeNetwork} in virtual time, with the services a test gives it: the one harness
 * the engine tests share. Its configuration is an {@code etc/meshnode.mesh.cfg} as a map, parsed as the
 * component parses it.
 */
class TestNode implements Services, Events {
    final String name;
    final InetSocketAddress listen;
    final RecordingLogger log;
    final Identity identity;
    final List<String> messages = new ArrayList<>();
    final VirtualScheduler clock;
    KnownPeers known;
    MeshEngine engine;
    Transport transport;
    RetryPolicy retry;
    HealthMonitor health;
    Topology topology;

    TestNode(VirtualScheduler clock, FakeNetwork net, Path dir, String name, String listen) throws Exception {
        this(clock, net, dir, name, listen, new RecordingLogger());
    }

    /** @param log {@link RecordingLogger#quiet()} for simulations of hundreds of nodes */
    TestNode(VirtualScheduler clock, FakeNetwork net, Path dir, String name, String listen, RecordingLogger log)
        throws Exception {
        this.log = log;
        this.clock = clock;
        this.name = name;
        this.listen = ConfigValues.parseEndpoint(listen);
        this.identity = Identity.loadOrCreate(dir.resolve(name));
        this.known = new KnownPeers(dir.resolve(name + ".peers"), Runnable::run); // written at once in virtual time
        this.transport = net.transport();
    }

    /** A retry policy that retries every {@code millis}, never gives up, and calls a link stable after a second. */
    static RetryPolicy retryEvery(long millis) {
        return new RetryPolicy() {
            @Override
            public io.meshnode.api.retry.RetryDecision next(io.meshnode.api.topology.NodeRole role, int failures,
                java.time.Duration previous) {
                return io.meshnode.api.retry.RetryDecision.retryAfter(java.time.Duration.ofMillis(millis));
            }

            @Override
            public java.time.Duration stableAfter() {
                return java.time.Duration.ofSeconds(1);
            }
        };
    }

    /** Creates the engine and starts it with {@code cfg} (keys of etc/meshnode.mesh.cfg; listen is this node's). */
    void start(Map<String, Object> cfg, boolean prompt) {
        engine = new MeshEngine(clock, log.logger(), identity, known, this, this, () -> 0.5);
        cfg.put("listen", ConfigValues.format(listen));
        MeshConfig c = Configs.of(MeshConfig.class, cfg);
        ConfigValues v = ConfigValues.of(cfg, "meshnode.mesh");
        engine.admission(Admission.parse(c, v));
        engine.start(MeshSettings.parse(c, v), prompt);
    }

    /** Creates the engine and starts it as the next mesh of a node that saved {@code saved} {@code elapsed} ms ago. */
    void startWith(Map<String, Object> cfg, boolean prompt, io.meshnode.core.internal.config.SavedState saved, long elapsed) {
        engine = new MeshEngine(clock, log.logger(), identity, known, this, this, () -> 0.5);
        cfg.put("listen", ConfigValues.format(listen));
        MeshConfig c = Configs.of(MeshConfig.class, cfg);
        ConfigValues v = ConfigValues.of(cfg, "meshnode.mesh");
        engine.admission(Admission.parse(c, v));
        engine.start(MeshSettings.parse(c, v), prompt, saved, elapsed);
    }

    /** Applies a changed etc/meshnode.mesh.cfg, as the component does on a configuration update. */
    void configure(Map<String, Object> cfg) {
        cfg.put("listen", ConfigValues.format(listen));
        MeshConfig c = Configs.of(MeshConfig.class, cfg);
        ConfigValues v = ConfigValues.of(cfg, "meshnode.mesh");
        engine.reconfigure(MeshSettings.parse(c, v), Admission.parse(c, v));
    }

    PeerDTO peer(TestNode other) {
        return engine.peer(ConfigValues.format(other.listen));
    }

    String pin() {
        return identity.id() + "@" + ConfigValues.format(listen);
    }

    @Override
    public Transport transport() {
        return transport;
    }

    @Override
    public RetryPolicy retry() {
        return retry;
    }

    @Override
    public HealthMonitor health() {
        return health;
    }

    @Override
    public Topology topology() {
        return topology;
    }

    @Override
    public void peerChanged(PeerDTO peer, PeerState previous) {
        // the tests read the engine's DTOs
    }

    @Override
    public void message(String peerId, String topic, byte[] payload) {
        messages.add(topic + ":" + new String(payload, StandardCharsets.UTF_8));
    }

    @Override
    public void listening(String nodeId, InetSocketAddress address) {
        // the tests know where they listen
    }
}
