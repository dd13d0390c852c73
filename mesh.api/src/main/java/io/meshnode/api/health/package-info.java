/**
 * Health contract: judges a live link from observations that the mesh keeps (last frame seen, outstanding ping, missed count, recent heartbeat arrival intervals) and decides when to ping and when the link has failed. The monitor is stateless; the state lives in the mesh, so replacing the monitor drops no connection.
 */
@Export
@Version("1.2.0")
package io.meshnode.api.health;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
