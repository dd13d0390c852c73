package io.meshnode.core.internal.osgi;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * One whiteboard service's own thread and bounded queue: calls into someone else's code run here, in order,
 * never on the mesh's thread; when the service is behind, further work is refused rather than queued without
 * bound. The thread ends after a minute idle and comes back with the next call.
 */
final class Mailbox {
    static final int CAPACITY = 1_024;

    private final ThreadPoolExecutor executor;

    Mailbox(String name) {
        executor = new ThreadPoolExecutor(1, 1, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(CAPACITY), r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
        executor.allowCoreThreadTimeOut(true);
    }

    /** @return {@code false} if the queue is full (or the mailbox closed): the work was not taken */
    boolean offer(Runnable work) {
        try {
            executor.execute(work);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    void close() {
        executor.shutdownNow();
    }
}
