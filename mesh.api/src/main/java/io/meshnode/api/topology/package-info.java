/**
 * Topology contract: which peers a node links to, which side of a pair dials, and which connection survives when both sides dialed.
 */
@Export
@Version("1.0.0")
package io.meshnode.api.topology;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
