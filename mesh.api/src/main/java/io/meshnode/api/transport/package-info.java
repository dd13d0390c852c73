/**
 * Transport contract: listen, connect, exchange length-prefixed frames over full-duplex connections, and learn why a connection closed. A transport knows nothing about peers or the mesh protocol; it may authenticate the peer's key (TLS) with the key pair its owner supplies, and {@code mesh.core} checks that key against the node id the peer claims in the handshake it runs over the frames.
 * <p>
 * Since 1.2 a connection applies flow control: a bounded outbound budget for application data
 * ({@link io.meshnode.api.transport.OverBudgetException}), writability notifications, control frames that
 * never wait behind application data, a close with a last frame and a short deadline, and pausing reads.
 */
@Export
@Version("1.2.0")
package io.meshnode.api.transport;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
