package io.meshnode.itest.swap;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;

import io.meshnode.api.mesh.Mesh;
import io.meshnode.api.mesh.PeerState;

/**
 * The gossip example (examples/gossip), one component that both handles a topic and references Messaging,
 * installed into this framework: it activates (no circular reference) and its handler receives what a node process
 * of the distribution, with the same example in its deploy/ folder, broadcasts.
 */
class GossipTest {
    private static final Duration READY = Duration.ofSeconds(60);
    private static final Duration LINKED = Duration.ofSeconds(30);
    private static final String COMPONENT = "io.meshnode.examples.gossip.Gossip";
    private static final Pattern RECEIVED = Pattern.compile("received (\\d+) in the last");

    @Test
    void aComponentThatHandlesATopicAndSendsThroughMessagingActivatesAndReceivesFromAPeer(
        @InjectBundleContext BundleContext context, @InjectService(timeout = 10_000) ConfigurationAdmin cm,
        @InjectService(timeout = 10_000) Mesh mesh, @InjectService(timeout = 10_000) ServiceComponentRuntime scr,
        @InjectService(timeout = 10_000) LogReaderService logs, @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path tmp)
        throws Exception {
        List<String> lines = new CopyOnWriteArrayList<>();
        LogListener listener = (LogEntry e) -> lines.add((e.getBundle() == null ? "?" : e.getBundle().getSymbolicName()) + ": " + e.getMessage());
        logs.addLogListener(listener);
        // This node only receives; the peer process sends 1 KiB every 20 ms.
        Configuration config = cm.getConfiguration("meshnode.gossip", "?");
        Dictionary<String, Object> saved = config.getProperties();
        Hashtable<String, Object> props = new Hashtable<>();
        props.put("enabled", false);
        props.put("summary", "1s");
        config.update(props);

        Path jar = Await.exampleJar(context, "gossip");
        ThreadLocalRandom r = ThreadLocalRandom.current();
        String listen = "127." + r.nextInt(201, 250) + "." + r.nextInt(1, 250) + ".30:" + r.nextInt(20_000, 40_000);
        Bundle gossip = context.installBundle(jar.toUri().toString());
        try (PeerNode peer = new PeerNode(tmp.resolve("peer"), listen).with("mesh", "listen", listen)
            .with("gossip", "interval", "20ms").with("gossip", "size", "1k").with("gossip", "summary", "1s")) {
            Files.createDirectories(peer.home.resolve("deploy"));
            Files.copy(jar, peer.home.resolve("deploy/gossip.jar"));
            peer.start(Path.of(context.getProperty("meshnode.itest.jar")));
            gossip.start();
            Await.until(LINKED, () -> active(scr, gossip), () -> "the gossip component is not active: " + configurations(scr, gossip)
                + "; log: " + lines);

            Await.until(READY, () -> peer.readyId() != null || !peer.alive(), () -> "ready line");
            assertTrue(peer.alive(), "the peer process exited: see " + peer.home);
            mesh.connect(listen);
            try {
                Await.until(LINKED, () -> mesh.peers().stream().anyMatch(p -> listen.equals(p.address) && p.state == PeerState.CONNECTED),
                    () -> "not linked to " + listen + ": " + mesh.peers());
                Await.until(LINKED, () -> received(lines) > 0, () -> "the handler received nothing; its log: "
                    + lines.stream().filter(l -> l.startsWith("examples.gossip")).toList() + "; the peer's: "
                    + peer.logLines("gossip"));
                // Its summary comes once a second, a moment after its first payloads may have arrived here.
                Await.until(LINKED, () -> !peer.logLines("gossip '", "sent ").isEmpty(),
                    () -> "the peer's gossip ran: " + peer.logLines("gossip"));
                assertTrue(lines.stream().noneMatch(l -> l.toLowerCase(java.util.Locale.ROOT).contains("circular")),
                    "a circular reference was logged: " + lines);
            } finally {
                mesh.disconnect(listen);
            }
        } finally {
            logs.removeLogListener(listener);
            gossip.uninstall();
            if (saved == null) {
                config.delete();
            } else {
                config.update(saved);
            }
        }
    }

    private static boolean active(ServiceComponentRuntime scr, Bundle bundle) {
        return configurations(scr, bundle).stream().anyMatch(c -> c.state == ComponentConfigurationDTO.ACTIVE);
    }

    private static List<ComponentConfigurationDTO> configurations(ServiceComponentRuntime scr, Bundle bundle) {
        return scr.getComponentDescriptionDTOs(bundle).stream().filter(d -> COMPONENT.equals(d.name))
            .flatMap(d -> scr.getComponentConfigurationDTOs(d).stream()).toList();
    }

    /** @return the most messages received in one summary interval, from the gossip bundle's summary lines */
    private static long received(List<String> lines) {
        long most = 0;
        for (String l : lines) {
            Matcher m = RECEIVED.matcher(l);
            if (l.startsWith("examples.gossip") && m.find()) {
                most = Math.max(most, Long.parseLong(m.group(1)));
            }
        }
        return most;
    }
}
