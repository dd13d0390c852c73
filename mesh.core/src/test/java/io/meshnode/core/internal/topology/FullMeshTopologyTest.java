package io.meshnode.core.internal.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.meshnode.api.config.ConfigValues;
import io.meshnode.api.topology.FullMesh;
import io.meshnode.api.topology.NodeRef;
import io.meshnode.api.topology.NodeRole;

/**
 * The default topology component: it wants every member but itself and answers pairwise as {@link FullMesh} does
 * (whose rules {@code mesh.api}'s {@code FullMeshTest} checks).
 */
class FullMeshTopologyTest {
    private final FullMeshTopology topology = new FullMeshTopology();

    private static NodeRef ref(String id, String endpoint) {
        return new NodeRef(id, ConfigValues.parseEndpoint(endpoint), NodeRole.MASTERNODE);
    }

    @Test
    void itWantsAndIsWantedByEveryMemberButItself() {
        NodeRef self = ref("aa", "127.0.0.2:7800");
        NodeRef b = ref("bb", "127.0.0.3:7800");
        NodeRef c = ref(null, "127.0.0.4:7800"); // id not known yet
        List<NodeRef> members = List.of(self, b, c, ref("aa", "127.0.0.9:7800"), ref(null, "127.0.0.2:7800"));
        assertEquals(Set.of(b, c), topology.wanted(self, members), "not itself, by id or by endpoint");
        assertEquals(topology.wanted(self, members), topology.wanting(self, members));
    }

    @Test
    void pairwiseAnswersAreTheFullMeshRules() {
        NodeRef a = ref("0123", "127.0.0.2:7800");
        NodeRef b = ref("4567", "127.0.0.3:7800");
        NodeRef unknown = ref(null, "127.0.0.4:7800");
        for (NodeRef[] pair : new NodeRef[][] {{a, b}, {b, a}, {a, unknown}, {unknown, a}}) {
            assertEquals(FullMesh.dials(pair[0], pair[1]), topology.dials(pair[0], pair[1]));
            assertEquals(FullMesh.links(pair[0], pair[1]), topology.links(pair[0], pair[1]));
        }
        assertEquals(FullMesh.keepsOutbound("0123", "4567"), topology.keepsOutbound("0123", "4567"));
        assertEquals(FullMesh.keepsOutbound("4567", "0123"), topology.keepsOutbound("4567", "0123"));
    }
}
