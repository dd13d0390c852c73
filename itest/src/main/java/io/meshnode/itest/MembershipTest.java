package io.meshnode.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Hashtable;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.test.common.annotation.InjectService;

import io.meshnode.api.config.ConfigValues;
import io.meshnode.api.membership.Membership;
import io.meshnode.api.mesh.Mesh;
import io.meshnode.api.mesh.PeerDTO;
import io.meshnode.api.mesh.PeerState;
import io.meshnode.api.topology.NodeRef;
import io.meshnode.api.topology.NodeRole;

/**
 * An integrator's membership decides the peers, live: its members join (pinned to the ids it gives), follow its
 * changes (announced by a change of its service properties), and leave when it goes.
 */
class MembershipTest {
    private static final Duration LINK = Duration.ofSeconds(30);

    @Test
    void theMeshFollowsAMembershipServiceLive(@InjectBundleContext BundleContext context, @InjectService Mesh mesh,
        @TempDir Path tmp) throws Exception {
        Path jar = Path.of(context.getProperty("meshnode.itest.jar"));
        int port = NodeRunner.freePort();
        String address = "127.0.0.1:" + port;
        try (NodeRunner member = new NodeRunner(jar, tmp.resolve("m"), tmp.resolve("m-cwd"),
            Map.of("meshnode.mesh.cfg", "listen = " + address + "\nadmit = any\n"))) {
            Matcher ready = member.awaitReady(Duration.ofSeconds(60));
            String id = ready.group(1);
            AtomicReference<Set<NodeRef>> members = new AtomicReference<>(
                Set.of(new NodeRef(id, ConfigValues.parseEndpoint(address), NodeRole.MASTERNODE)));
            Membership registry = members::get;
            Hashtable<String, Object> props = new Hashtable<>(Map.of("component.name", "itest.membership",
                "service.changecount", 1L));
            ServiceRegistration<Membership> reg = context.registerService(Membership.class, registry, props);
            try {
                PeerDTO p = Await.until(LINK, () -> find(mesh, address), x -> x != null && x.state == PeerState.CONNECTED,
                    "the member linked");
                assertTrue(p.configured && p.pinned, "a member given with its id is pinned: " + p);
                assertEquals(id, p.id);

                members.set(Set.of());
                props.put("service.changecount", 2L);
                reg.setProperties(props);
                Await.until(LINK, () -> find(mesh, address), x -> x == null || !x.configured, "left with the membership");
            } finally {
                reg.unregister();
            }
            assertTrue(find(mesh, address) == null || !find(mesh, address).configured);
        }
    }

    private static PeerDTO find(Mesh mesh, String address) {
        return mesh.peers().stream().filter(p -> p.address.equals(address)).findFirst().orElse(null);
    }
}
