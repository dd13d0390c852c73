package io.meshnode.examples.transport.counting;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import io.meshnode.api.transport.CloseReason;
import io.meshnode.api.transport.Connection;
import io.meshnode.api.transport.ConnectionHandler;
import io.meshnode.api.transport.Listener;
import io.meshnode.api.transport.Transport;

/**
 * Example integrator bundle: a transport decorator that counts the frames and bytes of every connection
 * and logs them when the connection closes. It wraps whichever undecorated transport is bound (the
 * target filter excludes decorators, itself included) and ranks above it (10 &gt; 0), so installing it
 * re-forms every link through it, and uninstalling it re-forms them through the plain transport.
 */
@Component(property = {"service.ranking:Integer=10", CountingTransport.DECORATOR + "=counting"})
public class CountingTransport implements Transport {
    static final String DECORATOR = "meshnode.transport.decorator";

    private final Transport delegate;
    private final Logger log;
    private final Map<Connection, Counted> wrappers = new ConcurrentHashMap<>();
    private final LongAdder bytesIn = new LongAdder();
    private final LongAdder bytesOut = new LongAdder();

    @Activate
    public CountingTransport(@Reference(target = "(!(" + DECORATOR + "=*))") Transport delegate,
        @Reference(service = LoggerFactory.class) Logger log) {
        this.delegate = delegate;
        this.log = log;
    }

    @Deactivate
    void deactivate() {
        log.info("counting transport stopped: {} bytes received, {} bytes sent in all", bytesIn.sum(), bytesOut.sum());
    }

    // A decorator forwards everything it does not change: here whether the transport authenticates peers (TLS),
    // and below the node's key, admission of sources, rejections, writability changes, and each connection's proven
    // peer key, control frames, pending bytes, close with a last frame and pausing reads (mesh.api transport 1.2).
    @Override
    public boolean authenticates() {
        return delegate.authenticates();
    }

    @Override
    public Listener listen(InetSocketAddress address, ConnectionHandler handler) throws IOException {
        return delegate.listen(address, new Handler(handler));
    }

    @Override
    public CompletionStage<Connection> connect(InetSocketAddress remote, InetSocketAddress local,
        ConnectionHandler handler) {
        return delegate.connect(remote, local, new Handler(handler)).thenApply(this::wrap);
    }

    /** The mesh tells connections apart by identity: one wrapper per connection, for all callbacks. */
    private Counted wrap(Connection c) {
        return wrappers.computeIfAbsent(c, Counted::new);
    }

    /** Counts what arrives, then hands it on with the wrapped connection. */
    private final class Handler implements ConnectionHandler {
        private final ConnectionHandler next;

        Handler(ConnectionHandler next) {
            this.next = next;
        }

        @Override
        public KeyPair identity() {
            return next.identity();
        }

        @Override
        public boolean accept(InetSocketAddress remote) {
            return next.accept(remote);
        }

        @Override
        public void rejected(InetSocketAddress remote, CloseReason reason, String detail) {
            next.rejected(remote, reason, detail);
        }

        @Override
        public void opened(Connection connection) {
            next.opened(wrap(connection));
        }

        @Override
        public void frame(Connection connection, byte[] frame) {
            Counted c = wrap(connection);
            c.framesIn.increment();
            c.bytesIn.add(frame.length);
            bytesIn.add(frame.length);
            next.frame(c, frame);
        }

        @Override
        public void writabilityChanged(Connection connection, boolean writable) {
            next.writabilityChanged(wrap(connection), writable);
        }

        @Override
        public void closed(Connection connection, CloseReason reason, String detail) {
            Counted c = wrap(connection);
            wrappers.remove(connection);
            log.info("connection #{} with {} closed ({}): received {} frames / {} bytes, sent {} frames / {} bytes",
                c.id(), c.remoteAddress(), reason, c.framesIn.sum(), c.bytesIn.sum(), c.framesOut.sum(), c.bytesOut.sum());
            next.closed(c, reason, detail);
        }
    }

    /** A connection that counts what is sent through it. */
    private final class Counted implements Connection {
        private final Connection inner;
        final LongAdder framesIn = new LongAdder();
        final LongAdder bytesIn = new LongAdder();
        final LongAdder framesOut = new LongAdder();
        final LongAdder bytesOut = new LongAdder();

        Counted(Connection inner) {
            this.inner = inner;
        }

        @Override
        public CompletionStage<Void> send(byte[] frame) {
            count(frame);
            return inner.send(frame);
        }

        @Override
        public CompletionStage<Void> sendControl(byte[] frame) {
            count(frame);
            return inner.sendControl(frame);
        }

        private void count(byte[] frame) {
            framesOut.increment();
            bytesOut.add(frame.length);
            CountingTransport.this.bytesOut.add(frame.length);
        }

        @Override
        public int maxFrameSize() {
            return inner.maxFrameSize();
        }

        @Override
        public long pendingBytes() {
            return inner.pendingBytes();
        }

        @Override
        public void pauseReads() {
            inner.pauseReads();
        }

        @Override
        public void resumeReads() {
            inner.resumeReads();
        }

        @Override
        public PublicKey peerKey() {
            return inner.peerKey();
        }

        @Override
        public String security() {
            return inner.security();
        }

        @Override
        public long id() {
            return inner.id();
        }

        @Override
        public io.meshnode.api.transport.Direction direction() {
            return inner.direction();
        }

        @Override
        public InetSocketAddress remoteAddress() {
            return inner.remoteAddress();
        }

        @Override
        public InetSocketAddress localAddress() {
            return inner.localAddress();
        }

        @Override
        public boolean isWritable() {
            return inner.isWritable();
        }

        @Override
        public void established() {
            inner.established();
        }

        @Override
        public boolean isOpen() {
            return inner.isOpen();
        }

        @Override
        public void close(CloseReason reason, String detail) {
            inner.close(reason, detail);
        }

        @Override
        public CompletionStage<Void> close(CloseReason reason, String detail, byte[] lastFrame) {
            if (lastFrame != null && inner.isOpen()) {
                count(lastFrame);
            }
            return inner.close(reason, detail, lastFrame);
        }

        @Override
        public String toString() {
            return "counted " + inner;
        }
    }
}
