package io.meshnode.core.internal.engine;

import io.meshnode.api.transport.Transport;

/** One dial of ours: through which transport, and the link it opened, if any. Confined to the mesh thread. */
public final class Dial {
    final Peer peer;
    final Transport transport;
    /** The connection it opened, once open; {@code null} while TCP connects. */
    Link link;
    /** When the dial started (nanos), so the handshake time counts from the first SYN. */
    long startedNanos;

    Dial(Peer peer, Transport transport) {
        this.peer = peer;
        this.transport = transport;
    }

    /** @return {@code true} while this is the dial its peer waits for (a later dial or a removal replaces it) */
    boolean current() {
        return peer.phase.dial() == this;
    }
}
