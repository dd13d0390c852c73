package io.meshnode.transport.netty.internal;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The TLS pool's order: oldest connection first, nothing for a closed one. One thread, so the order is exact. */
class TlsWorkTest {
    private final TlsWork work = new TlsWork(1, r -> {
        Thread t = new Thread(r, "tls-work-test");
        t.setDaemon(true);
        return t;
    });

    @AfterEach
    void stop() {
        work.shutdownNow();
    }

    /** Holds the pool's only thread until {@code release} counts down, so that what is queued meanwhile is ordered. */
    private CountDownLatch hold() throws InterruptedException {
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        work.execute(TlsWork.FIRST, () -> {
            holding.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertTrue(holding.await(10, SECONDS));
        return release;
    }

    @Test
    void theOldestConnectionsTasksRunFirstThenTheWarmUpAndAContextBeforeAll() throws Exception {
        CountDownLatch release = hold();
        List<String> ran = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch done = new CountDownLatch(6);
        Runnable[] tasks = new Runnable[6];
        String[] names = {"warm-up", "conn 7", "conn 3 first", "conn 5", "conn 3 second", "context"};
        for (int i = 0; i < tasks.length; i++) {
            String name = names[i];
            tasks[i] = () -> {
                ran.add(name);
                done.countDown();
            };
        }
        work.execute(TlsWork.LAST, tasks[0]);
        work.connection(7, () -> true).execute(tasks[1]);
        Executor three = work.connection(3, () -> true);
        three.execute(tasks[2]);
        work.connection(5, () -> true).execute(tasks[3]);
        three.execute(tasks[4]);
        work.execute(TlsWork.FIRST, tasks[5]);
        release.countDown();
        assertTrue(done.await(10, SECONDS));
        assertEquals(List.of("context", "conn 3 first", "conn 3 second", "conn 5", "conn 7", "warm-up"), ran);
    }

    @Test
    void aClosedConnectionsTasksAreDroppedAndTheOthersRun() throws Exception {
        CountDownLatch release = hold();
        AtomicBoolean open = new AtomicBoolean(true);
        AtomicInteger closedRan = new AtomicInteger();
        CountDownLatch other = new CountDownLatch(1);
        work.connection(1, open::get).execute(closedRan::incrementAndGet);
        work.connection(2, () -> true).execute(other::countDown);
        open.set(false); // the handshake timeout closed connection 1 while its task waited
        release.countDown();
        assertTrue(other.await(10, SECONDS));
        CountDownLatch after = new CountDownLatch(1);
        work.execute(TlsWork.LAST, after::countDown); // runs after anything still queued
        assertTrue(after.await(10, SECONDS));
        assertEquals(0, closedRan.get());
    }

    /**
     * Ten handshakes of five steps each, every step queued by the one before (as an SSLEngine hands out its next task
     * only when the last one ran), all arriving at once on a pool with one thread: each completes after its own five
     * steps and those of the handshakes older than it, the first after 5 steps of work, the last after 50. In arrival
     * order they would interleave and every one would complete only near the end, past any deadline shorter than all
     * of the work.
     */
    @Test
    void handshakesArrivingTogetherCompleteOneAfterAnotherInsteadOfAllLate() throws Exception {
        int handshakes = 10;
        int steps = 5;
        CountDownLatch release = hold();
        AtomicInteger spent = new AtomicInteger();
        int[] completedAt = new int[handshakes];
        CountDownLatch done = new CountDownLatch(handshakes);
        for (int h = 0; h < handshakes; h++) {
            int index = h;
            Executor connection = work.connection(h + 1, () -> true);
            AtomicInteger left = new AtomicInteger(steps);
            Runnable[] step = new Runnable[1];
            step[0] = () -> {
                int total = spent.incrementAndGet();
                if (left.decrementAndGet() == 0) {
                    completedAt[index] = total;
                    done.countDown();
                } else {
                    connection.execute(step[0]);
                }
            };
            connection.execute(step[0]);
        }
        release.countDown();
        assertTrue(done.await(10, SECONDS));
        for (int h = 0; h < handshakes; h++) {
            assertEquals((h + 1) * steps, completedAt[h], "handshake " + (h + 1) + " completed after this much work");
        }
    }
}
