package io.meshnode.core.internal.osgi;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The one way into the mesh thread from other threads (the console, applications, SCR): a call that waits for
 * its answer, or an asynchronous one. Once the mesh has stopped every call fails with "the mesh is stopped".
 */
final class MeshGateway {
    static final long CALL_TIMEOUT_SECONDS = 10;

    private final ExecutorScheduler scheduler;
    private volatile boolean stopped;

    MeshGateway(ExecutorScheduler scheduler) {
        this.scheduler = scheduler;
    }

    /** Runs {@code task} on the mesh thread and waits for it; the console and API callers are never event-loop threads. */
    <T> T call(Callable<T> task) {
        checkRunning();
        try {
            if (scheduler.inThread()) {
                return task.call();
            }
            FutureTask<T> f = new FutureTask<>(task);
            scheduler.execute(f);
            return f.get(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        } catch (TimeoutException e) {
            checkRunning();
            throw new IllegalStateException("the mesh did not answer within " + CALL_TIMEOUT_SECONDS + "s");
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs {@code task} on the mesh thread; the returned stage completes with the stage {@code task} returns. */
    <T> CompletionStage<T> async(Supplier<CompletionStage<T>> task) {
        if (stopped) {
            return refused();
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        scheduler.execute(() -> {
            try {
                task.get().whenComplete((v, e) -> {
                    if (e != null) {
                        result.completeExceptionally(e);
                    } else {
                        result.complete(v);
                    }
                });
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    /**
     * Runs {@code task} on the mesh thread without waiting for it.
     *
     * @return completes with the task's result; at once and exceptionally ("the mesh is stopped") once the mesh
     *         has stopped, so that nobody waits for a task that will never run
     */
    <T> CompletableFuture<T> submit(Callable<T> task) {
        if (stopped) {
            return refused();
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        scheduler.execute(() -> {
            try {
                result.complete(task.call());
            } catch (Exception e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    /** Posts {@code task} to the mesh thread, if the mesh still runs. */
    void post(Runnable task) {
        if (!stopped) {
            scheduler.execute(task);
        }
    }

    /** @return {@code true} once the mesh has stopped: callers that bypass the mesh thread check this first */
    boolean stopped() {
        return stopped;
    }

    boolean inMeshThread() {
        return scheduler.inThread();
    }

    /** Runs a last task on the mesh thread, waits for it up to {@code seconds}, and closes the gateway. */
    void stop(Runnable last, long seconds) throws InterruptedException, ExecutionException, TimeoutException {
        FutureTask<Void> f = new FutureTask<>(last, null);
        scheduler.execute(f);
        try {
            f.get(seconds, TimeUnit.SECONDS);
        } finally {
            stopped = true;
        }
    }

    private static <T> CompletableFuture<T> refused() {
        return CompletableFuture.failedFuture(new IllegalStateException("the mesh is stopped"));
    }

    private void checkRunning() {
        if (stopped) {
            throw new IllegalStateException("the mesh is stopped");
        }
    }
}
