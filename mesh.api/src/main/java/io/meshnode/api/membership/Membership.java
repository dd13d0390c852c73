package io.meshnode.api.membership;

import java.util.Set;

import org.osgi.annotation.versioning.ConsumerType;

import io.meshnode.api.topology.NodeRef;

/**
 * The current members of the mesh: the nodes this node's topology plans over. The mesh binds one membership
 * service, dynamically and greedily (the highest {@code service.ranking}, or the one {@code membership.target}
 * selects in {@code etc/meshnode.mesh.cfg}); {@code mesh.core}'s default (ranking 0) holds the configured
 * {@code peers} plus, under {@code admit = any}, the nodes learned at handshakes.
 *
 * <h2>Following changes</h2>
 * Whenever {@link #members()} would return something different, the provider modifies the properties of its service
 * registration, conventionally by incrementing {@code service.changecount}
 * ({@link org.osgi.framework.Constants#SERVICE_CHANGECOUNT}, a {@code Long}), after the new snapshot is visible. The
 * mesh (a DS reference with an {@code updated} method) then reads {@link #members()} again and plans again. Providers
 * may coalesce changes: only the snapshot read after the last modification counts.
 * <ul>
 * <li>A Declarative Services component whose members come from its configuration needs nothing more: DS republishes
 * the configuration as service properties after {@code @Modified}, which is a modification.</li>
 * <li>A provider whose members change otherwise registers the service through its {@code BundleContext} and calls
 * {@code ServiceRegistration.setProperties} with the incremented count (or, under Apache Felix SCR,
 * {@code ExtComponentContext.setServiceProperties}).</li>
 * </ul>
 *
 * <h2>Rules for an implementation</h2>
 * <ul>
 * <li><b>A snapshot.</b> {@link #members()} returns an immutable set that does not change after it is returned; it
 * is cheap to call (no I/O, no waiting: the mesh calls it on its own thread). Read sources (files, directories,
 * name resolution) when they change, not in {@link #members()}.</li>
 * <li><b>Members.</b> Each has a resolved listen endpoint; its id when known ({@code null}: the mesh learns it at the
 * first handshake; an id given here is expected at that endpoint, as for {@code id@host:port} in {@code peers}); its
 * role when known. List an id or an endpoint once: the mesh may ignore a member that repeats one.</li>
 * <li><b>This node</b> may be listed (one file shared by every node of a mesh): the mesh recognises itself
 * ({@link io.meshnode.api.topology.FullMesh#isSelf}) and skips it.</li>
 * <li><b>Admission is not membership.</b> Being a member does not let a node past {@code admit}: the mesh's
 * admission rules still decide who may link.</li>
 * </ul>
 * A provider that throws from {@link #members()} or returns {@code null} is logged with its bundle's name and the
 * mesh keeps planning with the last good snapshot.
 */
@ConsumerType
public interface Membership {

    /**
     * @return the current members, an immutable snapshot; never {@code null}
     */
    Set<NodeRef> members();
}
