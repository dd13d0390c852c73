/**
 * Configuration values shared by every Meshnode component: durations with units, sizes in bytes with units, validation errors that name the file and key an operator must fix, and text from outside made safe for a log line.
 */
@Export
@Version("1.1.0")
package io.meshnode.api.config;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
