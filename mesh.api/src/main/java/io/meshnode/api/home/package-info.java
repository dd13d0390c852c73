/**
 * The node home: the folder whose {@code etc/} holds the configuration files and whose {@code data/} holds the node
 * key and the durable state, named by the framework property {@code meshnode.home} (in Apache Karaf, {@code karaf.base}
 * when that is not set). Every bundle that reads or writes those files finds them here, with its own bundle context.
 * <p>
 * One exported package instead of a private copy in each bundle that needs it: as JPMS modules, bundles that each
 * contained the same package could not share one module layer (README, "JPMS").
 */
@Export
@Version("1.0.0")
package io.meshnode.api.home;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
