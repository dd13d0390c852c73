package io.meshnode.jmx.internal;

import java.util.List;
import java.util.Map;

/** {@code io.meshnode:type=Peers}: the peer table, counters, and the operator's reconnect. */
public interface PeersMXBean {
    /** @return every known peer, ordered by address */
    List<PeerInfo> getPeers();

    /** @return the number of peers in each state (every state present, 0 if none) */
    Map<String, Integer> getStateCounts();

    /** @return connection closes and failed attempts since this bundle started, by close reason */
    Map<String, Long> getClosesByReason();

    /** @return peer state changes seen since this bundle started */
    long getStateChanges();

    /**
     * @param ref a node id, a unique prefix of one (4+ characters) or {@code host:port}
     * @return that peer
     */
    PeerInfo peer(String ref);

    /**
     * Closes a live link (reason ADMIN) and redials it at once; a peer in backoff or parked is dialed at once
     * and its failure count reset.
     *
     * @param ref a node id, a unique prefix of one (4+ characters) or {@code host:port}
     * @return the peer's state after the request
     */
    String reconnect(String ref);

    /**
     * {@link #reconnect(String)} for every known peer.
     *
     * @return the number of peers asked to reconnect
     */
    int reconnectAll();
}
