package io.meshnode.jmx.internal;

import java.util.List;

/** {@code io.meshnode:type=Node}: this node as the mesh reports it. */
public interface NodeMXBean {
    /** @return this node's id (hex of the public key hash) */
    String getId();

    /** @return the configured listen endpoint, {@code host:port} */
    String getListen();

    /** @return {@code masternode} or {@code fullnode} */
    String getRole();

    /** @return whether a transport is bound and accepting */
    boolean isListening();

    /** @return the services the mesh is waiting for, empty when all are bound */
    List<String> getMissing();

    /** @return the number of known peers */
    int getPeerCount();

    /** @return the number of connected peers */
    int getConnectedCount();

    /** @return the provider bound now for each swappable role */
    List<ProviderInfo> getProviders();
}
