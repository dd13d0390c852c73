package io.meshnode.api.transport;

import java.net.InetSocketAddress;

import org.osgi.annotation.versioning.ConsumerType;

/** A bound listening socket. Closing it stops accepting; connections already accepted stay open. */
@ConsumerType
public interface Listener extends AutoCloseable {

    /** @return the bound address (with the actual port when port 0 was requested) */
    InetSocketAddress address();

    /** Stops listening. Idempotent. */
    @Override
    void close();
}
