package io.meshnode.api.testing;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import io.meshnode.api.mesh.Mesh;
import io.meshnode.api.mesh.NodeDTO;
import io.meshnode.api.mesh.PeerDTO;
import io.meshnode.api.mesh.PeerState;
import io.meshnode.api.transport.CloseReason;

/**
 * A {@link Mesh} for unit tests: a node and a peer table that the test sets, and the operations acting on that table
 * as the contract says.
 * <ul>
 * <li>{@link #node} is returned by {@link #node()} with its peer and connected counts taken from {@link #peers};</li>
 * <li>{@link #peer(String)} matches an address or an id prefix of at least 4 characters, with the contract's errors;</li>
 * <li>{@link #reconnect}, {@link #connect} and {@link #disconnect} change the table and record their argument in
 * {@link #reconnected}, {@link #connected} and {@link #disconnected};</li>
 * <li>{@link #ping} answers a connected peer in {@link #rtt} and fails for any other;</li>
 * <li>while {@link #failure} is set, every call throws it.</li>
 * </ul>
 * The lists are safe to read from another thread (a scrape, an MBean server). A test that needs other behaviour
 * subclasses it.
 */
public class FakeMesh implements Mesh {
    /** The node id when the test does not set one. */
    public static final String NODE_ID = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";

    public final NodeDTO node = new NodeDTO();
    public final List<PeerDTO> peers = new CopyOnWriteArrayList<>();
    public final List<String> reconnected = new CopyOnWriteArrayList<>();
    public final List<String> connected = new CopyOnWriteArrayList<>();
    public final List<String> disconnected = new CopyOnWriteArrayList<>();
    /** The round trip of a ping to a connected peer. */
    public volatile Duration rtt = Duration.ofNanos(420_000);
    /** The time of the close that a reconnect of a connected peer records. */
    public volatile Clock clock = Clock.systemUTC();
    /** When set, thrown by every call. */
    public volatile RuntimeException failure;

    /** A masternode listening on 127.0.0.1:7800. */
    public FakeMesh() {
        this("127.0.0.1:7800");
    }

    /** @param listen the node's listen address */
    public FakeMesh(String listen) {
        node.id = NODE_ID;
        node.role = "masternode";
        node.listen = listen;
        node.listening = true;
        node.missing = List.of();
        node.providers = List.of();
        node.warnings = List.of();
    }

    /** @return a peer with an address, an id (or {@code null}), the masternode role and a state */
    public static PeerDTO peer(String address, String id, PeerState state) {
        PeerDTO p = new PeerDTO();
        p.address = address;
        p.id = id;
        p.role = "masternode";
        p.state = state;
        return p;
    }

    /** Throws {@link #failure} if it is set. */
    protected void check() {
        RuntimeException f = failure;
        if (f != null) {
            throw f;
        }
    }

    @Override
    public NodeDTO node() {
        check();
        node.peers = peers.size();
        node.connected = (int) peers.stream().filter(p -> p.state == PeerState.CONNECTED).count();
        return node;
    }

    @Override
    public List<PeerDTO> peers() {
        check();
        return List.copyOf(peers);
    }

    @Override
    public PeerDTO peer(String ref) {
        check();
        List<PeerDTO> found = peers.stream()
            .filter(p -> ref.equals(p.address) || p.id != null && ref.length() >= 4 && p.id.startsWith(ref))
            .collect(Collectors.toList());
        if (found.isEmpty()) {
            throw new IllegalArgumentException("no peer matches '" + ref + "'");
        }
        if (found.size() > 1) {
            throw new IllegalArgumentException("'" + ref + "' matches " + found.size() + " peers; give more of the id");
        }
        return found.get(0);
    }

    /** Records the reference; the peer is dialing at once with its failure count reset, its link closed if it had one. */
    @Override
    public PeerDTO reconnect(String ref) {
        PeerDTO was = peer(ref);
        reconnected.add(ref);
        PeerDTO p = copy(was);
        p.state = PeerState.CONNECTING;
        p.direction = null;
        p.connectedSince = 0;
        p.consecutiveFailures = 0;
        p.nextAttemptAt = 0;
        if (was.state == PeerState.CONNECTED) {
            p.lastCloseReason = CloseReason.ADMIN;
            p.lastCloseDetail = "";
            p.lastCloseAt = clock.millis();
        }
        peers.set(peers.indexOf(was), p);
        return p;
    }

    /**
     * Records the spec; adds a configured {@link #added added} peer, or marks the peer at that address configured and
     * returns it. The node's own listen address is refused.
     */
    @Override
    public PeerDTO connect(String spec) {
        check();
        String address = spec.substring(spec.indexOf('@') + 1);
        if (address.equals(node.listen)) {
            throw new IllegalArgumentException("this is the node's own listen address");
        }
        connected.add(spec);
        for (PeerDTO p : peers) {
            if (p.address.equals(address)) {
                p.configured = true;
                return p;
            }
        }
        PeerDTO p = added(address);
        peers.add(p);
        return p;
    }

    /** @return the peer that {@link #connect} adds: configured, idle, a masternode */
    protected PeerDTO added(String address) {
        PeerDTO p = peer(address, null, PeerState.IDLE);
        p.configured = true;
        return p;
    }

    /** Records the reference and removes the peer from the table. */
    @Override
    public PeerDTO disconnect(String ref) {
        PeerDTO was = peer(ref);
        disconnected.add(ref);
        peers.remove(was);
        return was;
    }

    /** A connected peer answers in {@link #rtt}; any other fails as the contract says. */
    @Override
    public CompletionStage<Duration> ping(String ref) {
        PeerDTO p = peer(ref);
        return p.state == PeerState.CONNECTED ? CompletableFuture.completedFuture(rtt)
            : CompletableFuture.failedFuture(new IllegalStateException("peer " + p.address + " is not connected"));
    }

    /** @return a copy of the fields a peer keeps across a reconnect (not its history or traffic) */
    public static PeerDTO copy(PeerDTO o) {
        PeerDTO p = new PeerDTO();
        p.id = o.id;
        p.address = o.address;
        p.role = o.role;
        p.pinned = o.pinned;
        p.configured = o.configured;
        p.dialer = o.dialer;
        p.state = o.state;
        p.direction = o.direction;
        p.connectedSince = o.connectedSince;
        p.rttLastMicros = o.rttLastMicros;
        p.rttMinMicros = o.rttMinMicros;
        p.rttAvgMicros = o.rttAvgMicros;
        p.missedPings = o.missedPings;
        p.consecutiveFailures = o.consecutiveFailures;
        p.nextAttemptAt = o.nextAttemptAt;
        p.lastCloseReason = o.lastCloseReason;
        p.lastCloseDetail = o.lastCloseDetail;
        p.lastCloseAt = o.lastCloseAt;
        return p;
    }
}
