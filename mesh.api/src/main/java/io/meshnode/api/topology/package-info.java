/**
 * Topology contract: which links a node wants, which side of a pair dials, and which connection survives when both
 * sides dialed.
 * <p>
 * <b>1.1: whole shapes.</b> {@link io.meshnode.api.topology.Topology} (1.0) answers pair by pair. A
 * {@link io.meshnode.api.topology.ShapedTopology} additionally decides the whole shape: given this node and the
 * current membership it names the members this node wants links to, and the mesh keeps exactly the union of what both
 * sides of each pair want. It is a new interface beside {@code Topology} rather than a method added to it:
 * <ul>
 * <li>{@code Topology} is a {@link org.osgi.annotation.versioning.ConsumerType}: integrators implement it. Under the
 * OSGi semantic versioning rules a method added to an interface that consumers implement is a major change (2.0),
 * which no existing topology bundle (importing {@code [1.0,2)}) would resolve against. bnd's baseline counts a
 * <em>default</em> method as minor, but a default {@code wanted} could only restate {@code links} for existing
 * topologies, and could clash with a method of that name an implementation already has.</li>
 * <li>Adding a type is minor under every reading: existing topology bundles resolve and behave as before (the mesh
 * derives their shape from {@link io.meshnode.api.topology.Topology#links}, see
 * {@link io.meshnode.api.topology.Topologies#wanted}), and a topology opts into shapes by implementing the new
 * interface. {@code ShapedTopology} extends {@code Topology}, so it is registered, bound, ranked and selected
 * ({@code topology.target}) exactly like one.</li>
 * </ul>
 * <p>
 * {@link io.meshnode.api.topology.FullMesh} holds the full mesh's pairwise rule as static methods, so that every
 * topology bundle can agree with it without importing another implementation bundle, and
 * {@link io.meshnode.api.topology.Topologies} the calls the mesh makes, with the contract checks.
 */
@Export
@Version("1.1.0")
package io.meshnode.api.topology;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
