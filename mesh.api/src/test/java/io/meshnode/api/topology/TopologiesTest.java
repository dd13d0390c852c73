package io.meshnode.api.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.meshnode.api.config.ConfigValues;

class TopologiesTest {

    private static NodeRef ref(String id, String endpoint) {
        return new NodeRef(id, ConfigValues.parseEndpoint(endpoint), NodeRole.MASTERNODE);
    }

    private static final NodeRef SELF = ref("aa", "127.0.0.1:7800");
    private static final NodeRef B = ref("bb", "127.0.0.2:7800");
    private static final NodeRef C = ref("cc", "127.0.0.3:7800");
    private static final NodeRef UNKNOWN = ref(null, "127.0.0.4:7800");
    private static final List<NodeRef> MEMBERS = List.of(SELF, B, C, UNKNOWN);

    /** Pairwise, as a 1.0 topology: links only to ids that sort after its own. */
    private static final Topology PAIRWISE = new Topology() {
        @Override
        public boolean links(NodeRef self, NodeRef peer) {
            return peer.id() == null || peer.id().compareTo(self.id()) > 0;
        }

        @Override
        public boolean dials(NodeRef self, NodeRef peer) {
            return FullMesh.dials(self, peer);
        }

        @Override
        public boolean keepsOutbound(String selfId, String peerId) {
            return FullMesh.keepsOutbound(selfId, peerId);
        }
    };

    private static ShapedTopology shaped(ShapedTopology shape) {
        return shape;
    }

    @Test
    void aPairwiseTopologyWantsWhatItsLinksAccept() {
        assertEquals(Set.of(B, C, UNKNOWN), Topologies.wanted(PAIRWISE, SELF, MEMBERS));
        assertEquals(Set.of(C, UNKNOWN), Topologies.wanted(PAIRWISE, B, MEMBERS));
        assertEquals(Set.of(), Topologies.wanting(PAIRWISE, SELF, MEMBERS), "nobody sorts before aa");
        assertEquals(Set.of(SELF, B), Topologies.wanting(PAIRWISE, C, MEMBERS));
        assertEquals(Set.of(SELF, B, UNKNOWN), Topologies.linked(PAIRWISE, C, MEMBERS));
    }

    @Test
    void theFullMeshWantsEveryoneButItself() {
        assertEquals(Set.of(B, C, UNKNOWN), FullMesh.wanted(SELF, MEMBERS));
        assertEquals(Set.of(SELF, C, UNKNOWN), FullMesh.wanted(B, MEMBERS));
        NodeRef selfById = ref("aa", "10.0.0.1:7800");
        NodeRef selfByEndpoint = ref(null, "127.0.0.1:7800");
        assertEquals(Set.of(B), FullMesh.wanted(SELF, List.of(selfById, selfByEndpoint, B)));
    }

    @Test
    void wantingAsksEveryPeerWithAnIdFromItsOwnSide() {
        // Each wants only the next id; self is not in the collection: the mesh's view adds it.
        ShapedTopology next = shaped((self, members) -> members.stream()
            .filter(m -> m.id() != null && m.id().compareTo(self.id()) > 0)
            .min((x, y) -> x.id().compareTo(y.id())).map(Set::of).orElse(Set.of()));
        List<NodeRef> others = List.of(B, C, UNKNOWN);
        assertEquals(Set.of(B), Topologies.wanted(next, SELF, others));
        assertEquals(Set.of(), Topologies.wanting(next, SELF, others));
        assertEquals(Set.of(SELF), Topologies.wanting(next, B, MEMBERS));
        assertEquals(Set.of(C, SELF), Topologies.linked(next, B, MEMBERS));
    }

    @Test
    void aBadAnswerIsAnIllegalStateExceptionThatSaysWhatWasWrong() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
            () -> Topologies.wanted(shaped((self, members) -> null), SELF, MEMBERS));
        assertTrue(e.getMessage().contains("returned null"), e.getMessage());

        e = assertThrows(IllegalStateException.class,
            () -> Topologies.wanted(shaped((self, members) -> Set.of(self)), SELF, MEMBERS));
        assertTrue(e.getMessage().contains("the node itself"), e.getMessage());

        NodeRef stranger = ref("dd", "127.0.0.9:7800");
        e = assertThrows(IllegalStateException.class,
            () -> Topologies.wanted(shaped((self, members) -> Set.of(B, stranger)), SELF, MEMBERS));
        assertTrue(e.getMessage().contains("not a member"), e.getMessage());

        NodeRef bElsewhere = ref("bb", "127.0.0.2:7900");
        assertThrows(IllegalStateException.class,
            () -> Topologies.wanted(shaped((self, members) -> Set.of(bElsewhere)), SELF, MEMBERS),
            "a member is the ref the mesh passed, not another ref with the same id");

        assertThrows(UnsupportedOperationException.class, () -> Topologies.wanted(shaped((self, members) -> {
            members.clear();
            return Set.of();
        }), SELF, new java.util.ArrayList<>(MEMBERS)), "the mesh's collection is read-only to the topology");

        RuntimeException boom = new IllegalArgumentException("boom");
        assertEquals(boom, assertThrows(IllegalArgumentException.class,
            () -> Topologies.wanting(shaped((self, members) -> {
                throw boom;
            }), SELF, MEMBERS)));
    }

    @Test
    void nodeRefsAreEqualByIdEndpointAndRole() {
        assertEquals(ref("aa", "127.0.0.1:7800"), SELF);
        assertEquals(ref("aa", "127.0.0.1:7800").hashCode(), SELF.hashCode());
        assertNotEquals(ref(null, "127.0.0.1:7800"), SELF);
        assertNotEquals(new NodeRef("aa", SELF.endpoint(), NodeRole.FULLNODE), SELF);
        assertNotEquals(new NodeRef("aa", SELF.endpoint(), null), SELF);
    }

    @Test
    void aShapedTopologysPairwiseAnswersAreTheFullMeshsByDefault() {
        ShapedTopology shape = (self, members) -> Set.of();
        for (NodeRef a : MEMBERS) {
            for (NodeRef b : MEMBERS) {
                assertEquals(FullMesh.links(a, b), shape.links(a, b));
                assertEquals(FullMesh.dials(a, b), shape.dials(a, b));
            }
        }
        assertEquals(FullMesh.keepsOutbound("aa", "bb"), shape.keepsOutbound("aa", "bb"));
    }

    @Test
    void isSelfByIdOrElseByEndpoint() {
        assertTrue(FullMesh.isSelf(SELF, ref("aa", "10.0.0.1:1")));
        assertTrue(FullMesh.isSelf(SELF, ref(null, "127.0.0.1:7800")));
        assertFalse(FullMesh.isSelf(SELF, B));
        assertFalse(FullMesh.links(SELF, ref("aa", "10.0.0.1:1")));
        assertTrue(FullMesh.links(new NodeRef(null, new InetSocketAddress(7800), null), SELF), "wildcard listen");
    }
}
