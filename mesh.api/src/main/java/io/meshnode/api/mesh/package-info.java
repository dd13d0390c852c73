/**
 * Mesh contract: snapshots of the peer table as DTOs, operator actions (reconnect), and whiteboard listeners for peer changes.
 */
@Export
@Version("1.4.0")
package io.meshnode.api.mesh;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
