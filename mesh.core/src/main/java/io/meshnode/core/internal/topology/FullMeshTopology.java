package io.meshnode.core.internal.topology;

import java.util.Collection;
import java.util.Set;

import org.osgi.service.component.annotations.Component;

import io.meshnode.api.topology.FullMesh;
import io.meshnode.api.topology.NodeRef;
import io.meshnode.api.topology.ShapedTopology;
import io.meshnode.api.topology.Topology;

/**
 * The default topology: every node links to every member it knows, by the rules of {@link FullMesh} (the
 * designated dialer of a pair from the two ids, before the first contact from the two endpoints as numbers).
 */
@Component(name = "meshnode.topology.full", service = Topology.class, property = "service.ranking:Integer=0")
public class FullMeshTopology implements ShapedTopology {

    @Override
    public Set<NodeRef> wanted(NodeRef self, Collection<NodeRef> members) {
        return FullMesh.wanted(self, members);
    }

    @Override
    public Set<NodeRef> wanting(NodeRef self, Collection<NodeRef> members) {
        // Everyone wants everyone: no need to ask each member.
        return FullMesh.wanted(self, members);
    }

    @Override
    public String toString() {
        return "full mesh";
    }
}
