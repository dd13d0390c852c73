package io.meshnode.core.internal.topology;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.meshnode.api.config.ConfigValues;
import io.meshnode.api.topology.NodeRef;
import io.meshnode.api.topology.NodeRole;

class FullMeshTopologyTest {
    private final FullMeshTopology topology = new FullMeshTopology();

    private static NodeRef ref(String id, String endpoint) {
        return new NodeRef(id, ConfigValues.parseEndpoint(endpoint), NodeRole.MASTERNODE);
    }

    private void assertExactlyOneDials(NodeRef a, NodeRef b) {
        assertNotEquals(topology.dials(a, b), topology.dials(b, a), a + " / " + b);
    }

    @Test
    void endpointOrderIsAntisymmetricAndTotalForIpv4Ipv6AndSameIp() {
        List<String> endpoints = List.of("127.0.0.2:7800", "127.0.0.2:7801", "127.0.0.3:7800", "165.84.215.117:9999",
            "50.28.104.50:9999", "[::1]:7800", "[::1]:7801", "[fe80::1]:7800", "10.0.0.1:1", "255.255.255.255:65535");
        for (String x : endpoints) {
            for (String y : endpoints) {
                if (!x.equals(y)) {
                    assertExactlyOneDials(ref(null, x), ref(null, y));
                }
            }
        }
    }

    @Test
    void addressesCompareAsNumbersNotAsText() {
        // As text '165.84.215.117' < '50.28.104.50'; as numbers it is the other way round.
        assertTrue(topology.dials(ref(null, "50.28.104.50:9999"), ref(null, "165.84.215.117:9999")));
        assertTrue(topology.dials(ref(null, "127.0.0.2:7800"), ref(null, "127.0.0.2:7801")), "same IP: port decides");
        assertTrue(topology.dials(ref(null, "127.0.0.9:7800"), ref(null, "127.0.0.10:7800")));
    }

    @Test
    void idOrderIsAntisymmetricAndUnbiased() {
        Random r = new Random(1);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            byte[] b = new byte[20];
            r.nextBytes(b);
            ids.add(HexFormat.of().formatHex(b));
        }
        int lowerDials = 0;
        int pairs = 0;
        for (String x : ids) {
            for (String y : ids) {
                if (x.equals(y)) {
                    continue;
                }
                NodeRef a = ref(x, "127.0.0.2:7800");
                NodeRef b = ref(y, "127.0.0.3:7800");
                assertExactlyOneDials(a, b);
                assertNotEquals(topology.keepsOutbound(x, y), topology.keepsOutbound(y, x));
                if (x.compareTo(y) < 0) {
                    pairs++;
                    if (topology.dials(a, b)) {
                        lowerDials++;
                    }
                }
            }
        }
        // "lower id dials" would give 100 %; the hash rule is near 50 %.
        double share = (double) lowerDials / pairs;
        assertTrue(share > 0.35 && share < 0.65, "lower id dialed in " + share + " of pairs");
    }

    @Test
    void aNodeNeverLinksToItself() {
        assertFalse(topology.links(ref("aa", "127.0.0.2:7800"), ref("aa", "127.0.0.3:7800")));
        assertFalse(topology.links(ref(null, "127.0.0.2:7800"), ref(null, "127.0.0.2:7800")));
        assertTrue(topology.links(ref(null, "127.0.0.2:7800"), ref(null, "127.0.0.2:7801")));
        InetSocketAddress any = new InetSocketAddress(7800);
        assertTrue(topology.links(new NodeRef(null, any, null), ref(null, "127.0.0.2:7800")));
    }
}
