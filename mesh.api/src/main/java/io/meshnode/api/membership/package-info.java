/**
 * Membership contract: the nodes the mesh plans its shape over (each member's id when known, endpoint and role), as a
 * service whose changes the mesh follows live.
 * <p>
 * Changes are signalled the way Configuration Admin and Service Component Runtime signal theirs: by modifying the
 * service's properties ({@code service.changecount}). A consumer is told by the framework (a Declarative Services
 * {@code updated} method, or a {@code ServiceTracker}'s {@code modifiedService}) and reads the new snapshot; no
 * listener interface, no registration of callbacks in the provider, nothing to clean up when either side goes away.
 */
@Export
@Version("1.0.0")
package io.meshnode.api.membership;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
