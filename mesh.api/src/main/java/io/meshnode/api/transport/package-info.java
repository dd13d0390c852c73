/**
 * Transport contract: listen, connect, exchange length-prefixed frames over full-duplex connections, and learn why a connection closed. A transport knows nothing about peers, identities or the mesh protocol; {@code mesh.core} runs the handshake over the frames it carries.
 */
@Export
@Version("1.0.0")
package io.meshnode.api.transport;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
