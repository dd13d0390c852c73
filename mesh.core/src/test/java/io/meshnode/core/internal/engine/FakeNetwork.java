package io.meshnode.core.internal.engine;

import io.meshnode.core.internal.wire.Protocol;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;

import io.meshnode.api.transport.CloseReason;
import io.meshnode.api.transport.Connection;
import io.meshnode.api.transport.ConnectionHandler;
import io.meshnode.api.transport.Direction;
import io.meshnode.api.transport.Listener;
import io.meshnode.api.transport.Transport;

/** An in-memory network of transports sharing one virtual scheduler; every delivery is a scheduled task. */
final class FakeNetwork {
    final VirtualScheduler clock;
    final Map<InetSocketAddress, ConnectionHandler> listening = new HashMap<>();
    final Set<java.net.InetAddress> silent = new HashSet<>();
    /** Connects to these addresses fail, after the given virtual ms (a TLS handshake the peer refuses, late). */
    final Map<InetSocketAddress, Long> failingConnects = new HashMap<>();
    final List<FakeConnection> connections = new ArrayList<>();
    final AtomicLong ids = new AtomicLong();
    long latency = 1;
    /** While set, every connection refuses data frames as over its outbound budget. */
    boolean full;
    /** The frame.max every connection announces. */
    int frameMax = Integer.MAX_VALUE;
    long pings;
    /** When set, transports authenticate like TLS: a connection's peer key is what this returns for the remote side. */
    java.util.function.Function<ConnectionHandler, java.security.PublicKey> presentedKey;

    FakeNetwork(VirtualScheduler clock) {
        this.clock = clock;
    }

    Transport transport() {
        return new Transport() {
            @Override
            public boolean authenticates() {
                return presentedKey != null;
            }

            @Override
            public Listener listen(InetSocketAddress address, ConnectionHandler handler) throws IOException {
                if (listening.containsKey(address)) {
                    throw new IOException("cannot listen on " + address + ": Address already in use");
                }
                listening.put(address, handler);
                return new Listener() {
                    @Override
                    public InetSocketAddress address() {
                        return address;
                    }

                    @Override
                    public void close() {
                        listening.remove(address, handler);
                    }
                };
            }

            @Override
            public CompletionStage<Connection> connect(InetSocketAddress remote, InetSocketAddress local,
                ConnectionHandler handler) {
                CompletableFuture<Connection> f = new CompletableFuture<>();
                Long failAfter = failingConnects.get(remote);
                if (failAfter != null) {
                    clock.schedule(() -> f.completeExceptionally(new ConnectException("closed by the peer during the TLS "
                        + "handshake: " + remote)), failAfter);
                    return f;
                }
                clock.schedule(() -> {
                    ConnectionHandler server = listening.get(remote);
                    if (server != null && !server.accept(new InetSocketAddress(local.getAddress(), 1))) {
                        f.completeExceptionally(new ConnectException("connection closed at once: " + remote));
                        return;
                    }
                    if (server == null) {
                        f.completeExceptionally(new ConnectException("connection refused: " + remote));
                        return;
                    }
                    // An ephemeral port of the dialer's address (wrapping: a simulation may open more connections than ports).
                    InetSocketAddress from = new InetSocketAddress(local.getAddress(), 1024 + (int) (ids.get() % 64_000));
                    FakeConnection out = new FakeConnection(Direction.OUTBOUND, from, remote, handler);
                    FakeConnection in = new FakeConnection(Direction.INBOUND, remote, from, server);
                    out.other = in;
                    in.other = out;
                    handler.opened(out);
                    server.opened(in);
                    f.complete(out);
                }, latency);
                return f;
            }
        };
    }

    /** Stops a node's process from answering (frames to it vanish, like SIGSTOP or a dropping link). */
    void silence(InetSocketAddress node) {
        silent.add(node.getAddress());
    }

    void unsilence(InetSocketAddress node) {
        silent.remove(node.getAddress());
    }

    /** Cuts one connection like a partition that outlives it: its frames and its close vanish in both directions. */
    void cut(FakeConnection c) {
        cut.add(c);
        cut.add(c.other);
    }

    final Set<FakeConnection> cut = new HashSet<>();

    long open() {
        return connections.stream().filter(c -> c.open && c.direction == Direction.OUTBOUND).count();
    }

    final class FakeConnection implements Connection {
        final long id = ids.incrementAndGet();
        final Direction direction;
        final InetSocketAddress local;
        final InetSocketAddress remote;
        final ConnectionHandler handler;
        FakeConnection other;
        boolean open = true;
        boolean established;

        FakeConnection(Direction direction, InetSocketAddress local, InetSocketAddress remote, ConnectionHandler handler) {
            this.direction = direction;
            this.local = local;
            this.remote = remote;
            this.handler = handler;
            connections.add(this);
        }

        @Override
        public long id() {
            return id;
        }

        @Override
        public Direction direction() {
            return direction;
        }

        @Override
        public InetSocketAddress remoteAddress() {
            return remote;
        }

        @Override
        public InetSocketAddress localAddress() {
            return local;
        }

        @Override
        public CompletionStage<Void> send(byte[] frame) {
            if (!open) {
                return CompletableFuture.failedFuture(new IllegalStateException("connection closed"));
            }
            if (frame.length > 0 && frame[0] == Protocol.PING) {
                pings++;
            }
            if (full && frame.length > 0 && frame[0] == Protocol.DATA) {
                return CompletableFuture.failedFuture(new io.meshnode.api.transport.OverBudgetException(4 << 20, frame.length,
                    4 << 20));
            }
            FakeConnection to = other;
            clock.schedule(() -> {
                if (to.open && !silent.contains(to.local.getAddress()) && !silent.contains(local.getAddress())
                    && !cut.contains(this)) {
                    to.handler.frame(to, frame);
                }
            }, latency);
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public java.security.PublicKey peerKey() {
            return presentedKey == null ? null : presentedKey.apply(other.handler);
        }

        @Override
        public int maxFrameSize() {
            return frameMax;
        }

        @Override
        public boolean isWritable() {
            return open;
        }

        @Override
        public void established() {
            established = true;
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public void close(CloseReason reason, String detail) {
            if (!open) {
                return;
            }
            open = false;
            handler.closed(this, reason, detail);
            FakeConnection to = other;
            if (cut.contains(this)) {
                return;
            }
            clock.schedule(() -> {
                if (to.open) {
                    to.open = false;
                    to.handler.closed(to, CloseReason.REMOTE_CLOSED, "");
                }
            }, latency);
        }

        @Override
        public String toString() {
            return "#" + id + " " + direction + " " + local + "->" + remote;
        }
    }
}
