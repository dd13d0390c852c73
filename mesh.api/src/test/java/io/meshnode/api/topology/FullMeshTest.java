package io.meshnode.api.topology;

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

/** The full mesh's pairwise rule: antisymmetric, total, numeric endpoint order, unbiased by id. */
class FullMeshTest {

    private static NodeRef ref(String id, String endpoint) {
        return new NodeRef(id, ConfigValues.parseEndpoint(endpoint), NodeRole.MASTERNODE);
    }

    @Test
    void endpointOrderIsAntisymmetricTotalAndNumeric() {
        List<String> endpoints = List.of("127.0.0.2:7800", "127.0.0.2:7801", "127.0.0.3:7800", "165.84.215.117:9999",
            "50.28.104.50:9999", "[::1]:7800", "[::1]:7801", "[fe80::1]:7800", "10.0.0.1:1", "255.255.255.255:65535");
        for (String x : endpoints) {
            for (String y : endpoints) {
                if (!x.equals(y)) {
                    assertNotEquals(FullMesh.dials(ref(null, x), ref(null, y)), FullMesh.dials(ref(null, y), ref(null, x)));
                }
            }
        }
        assertTrue(FullMesh.dials(ref(null, "50.28.104.50:9999"), ref(null, "165.84.215.117:9999")), "not as text");
        assertTrue(FullMesh.dials(ref(null, "127.0.0.2:7800"), ref(null, "127.0.0.2:7801")), "same IP: port");
        assertTrue(FullMesh.dials(ref(null, "127.0.0.9:7800"), ref(null, "127.0.0.10:7800")), "9 < 10");
    }

    @Test
    void aNodeNeverLinksToItself() {
        assertFalse(FullMesh.links(ref("aa", "127.0.0.2:7800"), ref("aa", "127.0.0.3:7800")), "same id");
        assertFalse(FullMesh.links(ref(null, "127.0.0.2:7800"), ref(null, "127.0.0.2:7800")), "same endpoint");
        assertTrue(FullMesh.links(ref(null, "127.0.0.2:7800"), ref(null, "127.0.0.2:7801")));
        assertTrue(FullMesh.links(new NodeRef(null, new InetSocketAddress(7800), null), ref(null, "127.0.0.2:7800")),
            "a wildcard listen address is no endpoint of its own");
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
                if (x.compareTo(y) < 0) {
                    NodeRef a = ref(x, "127.0.0.2:7800");
                    NodeRef b = ref(y, "127.0.0.3:7800");
                    assertNotEquals(FullMesh.dials(a, b), FullMesh.dials(b, a));
                    assertNotEquals(FullMesh.keepsOutbound(x, y), FullMesh.keepsOutbound(y, x));
                    pairs++;
                    lowerDials += FullMesh.dials(a, b) ? 1 : 0;
                }
            }
        }
        double share = (double) lowerDials / pairs;
        assertTrue(share > 0.35 && share < 0.65, "lower id dialed in " + share + " of pairs");
    }
}
