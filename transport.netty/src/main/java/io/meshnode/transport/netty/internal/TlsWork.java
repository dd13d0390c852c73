package io.meshnode.transport.netty.internal;

import java.util.Comparator;
import java.util.concurrent.Executor;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * The TLS pool: the JDK's handshake work (key exchange, signatures, the peer's certificate: an {@code SSLEngine}'s
 * delegated tasks) on a few daemon threads, <em>oldest connection first</em>, and none for a connection already closed.
 * <p>
 * Every handshake has the same deadline from its start (the handshake timeout). Taken in arrival order, the tasks of
 * many handshakes interleave, so under load they all progress slowly and all miss the deadline together: each is cut,
 * its CPU wasted, and each is dialed again into the same crowd (a node restarted among many peers, a partition healing,
 * sixteen nodes starting on two cores). Taken oldest connection first, handshakes complete one after another at the
 * rate the CPU allows, the younger ones wait, and a connection the timeout already closed costs no more work.
 */
final class TlsWork {
    /** Rank of work every handshake waits for: the TLS context of a new node key. */
    static final long FIRST = 0;
    /** Rank of work no handshake waits for: the warm-up. */
    static final long LAST = Long.MAX_VALUE;

    private static final Comparator<Runnable> ORDER =
        Comparator.comparingLong((Runnable r) -> ((Ranked) r).rank).thenComparingLong(r -> ((Ranked) r).seq);

    private final ThreadPoolExecutor pool;
    private final AtomicLong seq = new AtomicLong();

    TlsWork(int threads, ThreadFactory factory) {
        pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new PriorityBlockingQueue<>(16, ORDER),
            factory);
        // every task through the queue, so that its order holds from the first one on
        pool.prestartAllCoreThreads();
    }

    /**
     * @param rank the connection's place: its id, which the transport gives out in the order connections open
     * @param live whether the connection still wants the work (a closed one's tasks are dropped)
     * @return the executor for one connection's TLS tasks
     */
    Executor connection(long rank, BooleanSupplier live) {
        return task -> execute(rank, live, task);
    }

    /** Runs a task at {@link #FIRST} or {@link #LAST}. */
    void execute(long rank, Runnable task) {
        execute(rank, () -> true, task);
    }

    private void execute(long rank, BooleanSupplier live, Runnable task) {
        pool.execute(new Ranked(rank, seq.getAndIncrement(), live, task));
    }

    void shutdownNow() {
        pool.shutdownNow();
    }

    private record Ranked(long rank, long seq, BooleanSupplier live, Runnable task) implements Runnable {
        @Override
        public void run() {
            if (live.getAsBoolean()) {
                task.run();
            }
        }
    }
}
