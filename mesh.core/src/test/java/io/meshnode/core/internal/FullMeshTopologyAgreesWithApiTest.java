package io.meshnode.core.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.meshnode.api.config.ConfigValues;
import io.meshnode.api.topology.FullMesh;
import io.meshnode.api.topology.NodeRef;
import io.meshnode.api.topology.NodeRole;

/**
 * mesh.api's FullMesh holds the full mesh's rule for other topology bundles (topology.ring); until
 * FullMeshTopology delegates to it, the two copies must give the same answer for every pair.
 */
class FullMeshTopologyAgreesWithApiTest {

    @Test
    void everyPairGetsTheSameAnswers() {
        FullMeshTopology topology = new FullMeshTopology();
        Random r = new Random(7);
        List<NodeRef> nodes = new ArrayList<>();
        for (String endpoint : List.of("127.0.0.2:7800", "127.0.0.2:7801", "50.28.104.50:9999", "[::1]:7800")) {
            byte[] b = new byte[20];
            r.nextBytes(b);
            nodes.add(new NodeRef(HexFormat.of().formatHex(b), ConfigValues.parseEndpoint(endpoint), NodeRole.MASTERNODE));
            nodes.add(new NodeRef(null, ConfigValues.parseEndpoint(endpoint), null));
        }
        for (NodeRef a : nodes) {
            for (NodeRef b : nodes) {
                assertEquals(FullMesh.links(a, b), topology.links(a, b), a + " links " + b);
                assertEquals(FullMesh.dials(a, b), topology.dials(a, b), a + " dials " + b);
                if (a.id() != null && b.id() != null) {
                    assertEquals(FullMesh.keepsOutbound(a.id(), b.id()), topology.keepsOutbound(a.id(), b.id()));
                }
            }
        }
    }
}
