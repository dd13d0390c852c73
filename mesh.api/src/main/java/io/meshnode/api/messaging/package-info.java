/**
 * Messaging contract: send a payload to one connected peer or to all of them, and receive payloads through whiteboard handlers registered by topic.
 */
@Export
@Version("1.1.0")
package io.meshnode.api.messaging;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
