package io.meshnode.core.internal.osgi;

import java.util.concurrent.ScheduledFuture;
import java.util.function.Consumer;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import io.meshnode.core.internal.engine.Scheduler;

/** The production scheduler: one daemon thread, owned by the mesh component. */
public final class ExecutorScheduler implements Scheduler {
    private final ScheduledThreadPoolExecutor executor;
    private volatile Thread thread;

    /** Receives what a task threw: nothing on the mesh thread fails silently. */
    private final Consumer<Throwable> failed;

    public ExecutorScheduler(String name, Consumer<Throwable> failed) {
        this.failed = failed;
        executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            thread = t;
            return t;
        });
        executor.setRemoveOnCancelPolicy(true);
        executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    @Override
    public long now() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime());
    }

    @Override
    public long wallClock() {
        return System.currentTimeMillis();
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public void execute(Runnable task) {
        if (!executor.isShutdown()) {
            executor.execute(guarded(task));
        }
    }

    @Override
    public Task schedule(Runnable task, long delayMillis) {
        if (executor.isShutdown()) {
            return () -> {};
        }
        ScheduledFuture<?> f = executor.schedule(guarded(task), Math.max(0, delayMillis), TimeUnit.MILLISECONDS);
        return () -> f.cancel(false);
    }

    @Override
    public Task scheduleAt(Runnable task, long atMillis) {
        if (executor.isShutdown()) {
            return () -> {};
        }
        // In nanoseconds: the moment now() turns atMillis, whatever fraction of a millisecond this call was made at.
        long delay = Math.max(0, TimeUnit.MILLISECONDS.toNanos(atMillis) - System.nanoTime());
        ScheduledFuture<?> f = executor.schedule(guarded(task), delay, TimeUnit.NANOSECONDS);
        return () -> f.cancel(false);
    }

    private Runnable guarded(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException | LinkageError e) {
                failed.accept(e);
            }
        };
    }

    @Override
    public boolean inThread() {
        return Thread.currentThread() == thread;
    }

    public void shutdown() throws InterruptedException {
        executor.shutdown();
        executor.awaitTermination(5, TimeUnit.SECONDS);
    }
}
