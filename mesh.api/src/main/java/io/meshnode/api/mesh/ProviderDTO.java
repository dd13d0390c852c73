package io.meshnode.api.mesh;

import org.osgi.dto.DTO;

/** The service the mesh uses now for one swappable role (transport, topology, health, retry). */
public class ProviderDTO extends DTO {
    /** {@code transport}, {@code topology}, {@code health} or {@code retry}. */
    public String role;
    /** The providing component's name ({@code component.name}), or the service's class name if it has none. */
    public String component;
    /** Symbolic name of the bundle that registered the service. */
    public String bundle;
    /** Version of that bundle. */
    public String version;
    /** The service's {@code service.ranking} (0 if not set). */
    public int ranking;
    /** The service's {@code service.id}. */
    public long serviceId;
}
