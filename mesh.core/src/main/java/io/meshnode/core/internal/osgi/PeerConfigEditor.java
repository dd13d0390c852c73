package io.meshnode.core.internal.osgi;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.log.Logger;

import io.meshnode.api.config.ConfigValues;
import io.meshnode.api.mesh.PeerDTO;
import io.meshnode.core.internal.config.CfgFile;
import io.meshnode.core.internal.config.MeshSettings;
import io.meshnode.core.internal.config.PeerList;
import io.meshnode.core.internal.engine.MeshEngine;
import io.meshnode.core.internal.engine.Peer;

/**
 * {@code mesh:connect} and {@code mesh:disconnect} of a configured peer: the operator's
 * {@code etc/meshnode.mesh.cfg} is edited (through Config Admin when the configuration has no file), and the
 * command returns once the mesh has applied it, so that the next command sees it.
 */
final class PeerConfigEditor {
    private static final String FILEINSTALL_FILENAME = "felix.fileinstall.filename";
    private static final long APPLY_TIMEOUT_SECONDS = 10;

    private final Logger log;
    private final MeshGateway gateway;
    private final MeshEngine engine;
    private final Path home;
    private final Supplier<ConfigurationAdmin> configAdmin;
    private final Object lock = new Object();
    private final AtomicReference<CompletableFuture<Void>> applied = new AtomicReference<>();

    PeerConfigEditor(Logger log, MeshGateway gateway, MeshEngine engine, Path home, Supplier<ConfigurationAdmin> configAdmin) {
        this.log = log;
        this.gateway = gateway;
        this.engine = engine;
        this.home = home;
        this.configAdmin = configAdmin;
    }

    /** The mesh applied a new configuration: a command waiting for its edit looks again. */
    void applied() {
        CompletableFuture<Void> waiting = applied.getAndSet(null);
        if (waiting != null) {
            waiting.complete(null);
        }
    }

    PeerDTO connect(String spec, InetSocketAddress listen) {
        synchronized (lock) {
            MeshSettings.PeerSpec peer = MeshSettings.peer(spec == null ? "" : spec, listen);
            PeerDTO existing = gateway.call(() -> engine.peerAt(peer.endpoint()));
            if (existing != null && existing.configured && (peer.id() == null || existing.pinned && peer.id().equals(existing.id))) {
                return existing;
            }
            String entry = (peer.id() == null ? "" : peer.id() + "@") + ConfigValues.format(peer.endpoint());
            log.info("operator connect: adding peer {} to the configuration", entry);
            return edit(current -> PeerList.with(current, entry, peer.endpoint()), () -> {
                PeerDTO p = engine.peerAt(peer.endpoint());
                return p != null && p.configured && (peer.id() == null || peer.id().equals(p.id)) ? p : null;
            });
        }
    }

    PeerDTO disconnect(String ref) {
        synchronized (lock) {
            Peer[] found = new Peer[1];
            PeerDTO before = gateway.call(() -> {
                found[0] = engine.resolve(ref);
                return found[0].configured() ? engine.dto(found[0]) : engine.disconnectUnconfigured(found[0]);
            });
            if (!before.configured) {
                return before;
            }
            InetSocketAddress endpoint = found[0].endpoint;
            log.info("operator disconnect: removing peer {} from the configuration", found[0]);
            edit(current -> PeerList.without(current, endpoint), () -> {
                PeerDTO p = engine.peerAt(endpoint);
                return p == null || !p.configured ? before : null;
            });
            return before;
        }
    }

    /** Writes a new {@code peers} value and waits until the mesh has applied it. */
    private PeerDTO edit(UnaryOperator<String> change, Callable<PeerDTO> done) {
        ConfigurationAdmin cm = configAdmin.get();
        if (cm == null) {
            throw new IllegalStateException("Config Admin is not available: the peer list cannot be changed now");
        }
        try {
            Configuration c = cm.getConfiguration(MeshComponent.PID, "?");
            Dictionary<String, Object> props = c.getProperties();
            if (props == null) {
                props = new Hashtable<>();
            }
            Object current = props.get("peers");
            String value = change.apply(current == null ? "" : current.toString());
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
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(APPLY_TIMEOUT_SECONDS);
        while (System.nanoTime() < deadline) {
            PeerDTO p = gateway.call(done);
            if (p != null) {
                return p;
            }
            CompletableFuture<Void> next = new CompletableFuture<>();
            applied.set(next);
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
        throw new IllegalStateException("the configuration was written but not applied within " + APPLY_TIMEOUT_SECONDS
            + "s; check the log for an invalid value in etc/meshnode.mesh.cfg");
    }

    /** @return the file FileInstall read the configuration from, else {@code etc/meshnode.mesh.cfg} of the node home if there is one */
    private Path configFile(Object fileinstall) {
        if (fileinstall != null) {
            String name = fileinstall.toString();
            return name.startsWith("file:") ? Path.of(URI.create(name)) : Path.of(name);
        }
        return home == null ? null : home.resolve("etc").resolve(MeshComponent.PID + ".cfg");
    }
}
