package io.meshnode.transport.netty.internal;

import static java.util.concurrent.TimeUnit.SECONDS;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.meshnode.api.testing.RecordingLogger;
import io.meshnode.api.transport.CloseReason;
import io.meshnode.api.transport.Connection;
import io.meshnode.api.transport.Listener;
import io.meshnode.transport.netty.internal.TestSupport.Recorder;

/**
 * TLS against plain TCP on loopback: link set-up time (connect until the dialer holds an open, authenticated
 * connection) and one-way messaging throughput. Not part of the build (the name does not match the test
 * patterns); run it with the command in BENCHMARKS.md. Prints BENCH lines, asserts nothing about speed.
 */
class TlsBench {
    private static final InetSocketAddress ANY = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    private static final int SETUPS = 200;
    private static final int WARMUP = 50;
    private static final int FRAME = 4096;
    private static final long BYTES = 256L << 20;
    private static final int PASSES = 5;

    @Test
    void tlsAgainstPlain() throws Exception {
        double[] plain = run("off");
        double[] tls = run("on");
        System.out.printf("BENCH link set-up median: plain %.3f ms, tls %.3f ms (%.1fx)%n", plain[0], tls[0], tls[0] / plain[0]);
        System.out.printf("BENCH throughput %d-byte frames: plain %.0f MiB/s, tls %.0f MiB/s, ratio %.2f%n", FRAME, plain[1],
            tls[1], tls[1] / plain[1]);
    }

    /** @return {median set-up ms, MiB/s} */
    private static double[] run(String tls) throws Exception {
        RecordingLogger log = new RecordingLogger();
        NettyTransport server = new NettyTransport(log.logger(), TestSupport.config(Map.of("tls", tls,
            "unauthenticated.max", "10000", "unauthenticated.per.address", "10000", "write.buffer.high", "4m")), Map.of(), true);
        // The budget above the high-water mark: the sender waits on writability and never meets the budget.
        NettyTransport client = new NettyTransport(log.logger(), TestSupport.config(Map.of("tls", tls,
            "write.buffer.high", "4m", "outbound.budget", "16m")), Map.of(), true);
        try {
            AtomicLong received = new AtomicLong();
            AtomicLong goal = new AtomicLong(Long.MAX_VALUE);
            CompletableFuture<?>[] done = {new CompletableFuture<Void>()};
            Recorder serverEvents = new Recorder(true) {
                @Override
                public void frame(Connection c, byte[] frame) {
                    if (received.addAndGet(frame.length) >= goal.get()) {
                        done[0].complete(null);
                    }
                }
            };
            Listener listener = server.listen(ANY, serverEvents);
            double[] setup = new double[SETUPS - WARMUP];
            for (int i = 0; i < SETUPS; i++) {
                long t0 = System.nanoTime();
                Connection c = client.connect(listener.address(), null, new Recorder(true)).toCompletableFuture()
                    .get(10, SECONDS);
                long t1 = System.nanoTime();
                if (i >= WARMUP) {
                    setup[i - WARMUP] = (t1 - t0) / 1e6;
                }
                c.close(CloseReason.ADMIN, "bench");
            }
            Arrays.sort(setup);
            Connection c = client.connect(listener.address(), null, new Recorder(true)).toCompletableFuture().get(10, SECONDS);
            byte[] frame = new byte[FRAME];
            // A warm-up pass of an eighth, then PASSES measured passes; the median pass counts.
            double[] mibs = new double[PASSES];
            for (int pass = -1; pass < PASSES; pass++) {
                long bytes = pass < 0 ? BYTES >> 3 : BYTES;
                CompletableFuture<Void> passDone = new CompletableFuture<>();
                done[0] = passDone;
                received.set(0);
                goal.set(bytes);
                long t0 = System.nanoTime();
                CompletionStage<Void> last = CompletableFuture.completedFuture(null);
                for (long sent = 0; sent < bytes; sent += FRAME) {
                    if (!c.isWritable()) {
                        // Block, do not spin: on two cores a spinning sender takes the CPU the event loops
                        // encrypt and decrypt on. The frame sent last is written once the buffer has drained.
                        last.toCompletableFuture().get(10, SECONDS);
                    }
                    last = c.send(frame);
                }
                passDone.get(120, SECONDS);
                if (pass >= 0) {
                    mibs[pass] = (bytes / (1024.0 * 1024.0)) / ((System.nanoTime() - t0) / 1e9);
                }
            }
            Arrays.sort(mibs);
            return new double[] {setup[setup.length / 2], mibs[PASSES / 2]};
        } finally {
            client.deactivate();
            server.deactivate();
        }
    }
}
