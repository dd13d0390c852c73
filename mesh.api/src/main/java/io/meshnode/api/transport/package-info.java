/**
 * Transport contract: listen, connect, exchange length-prefixed frames over full-duplex connections, and learn why a connection closed. A transport knows nothing about peers or the mesh protocol; it may authenticate the peer's key (TLS) with the key pair its owner supplies, and {@code mesh.core} checks that key against the node id the peer claims in the handshake it runs over the frames.
 */
@Export
@Version("1.1.0")
package io.meshnode.api.transport;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
