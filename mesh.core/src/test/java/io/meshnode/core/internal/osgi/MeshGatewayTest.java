package io.meshnode.core.internal.osgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MeshGatewayTest {
    private final ExecutorScheduler scheduler = new ExecutorScheduler("gateway-test", e -> {});
    private final MeshGateway gateway = new MeshGateway(scheduler);

    @AfterEach
    void shutdown() throws InterruptedException {
        scheduler.shutdown();
    }

    @Test
    void aSubmittedTaskRunsOnTheMeshThreadAndCompletesWithItsResult() throws Exception {
        CompletableFuture<Boolean> onMeshThread = gateway.submit(scheduler::inThread);
        assertTrue(onMeshThread.get(10, TimeUnit.SECONDS));
    }

    @Test
    void aTaskThatThrowsCompletesExceptionally() {
        CompletableFuture<Object> f = gateway.submit(() -> {
            throw new IllegalArgumentException("bad");
        });
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
        assertEquals("bad", e.getCause().getMessage());
    }

    /**
     * After the mesh stopped (SCR unbinds the component's references after its deactivation), a submitted task would
     * never run: the answer is there at once, and nobody waits for it. A mesh.core update waited a second here for
     * the goodbyes of a transport that was merely unbound.
     */
    @Test
    void aTaskSubmittedAfterTheStopFailsAtOnceAndNeverRuns() throws Exception {
        gateway.stop(() -> {}, 10);
        AtomicBoolean ran = new AtomicBoolean();
        CompletableFuture<Void> f = gateway.submit(() -> {
            ran.set(true);
            return null;
        });
        assertTrue(f.isCompletedExceptionally(), "completed before submit returned");
        ExecutionException e = assertThrows(ExecutionException.class, f::get);
        assertEquals("the mesh is stopped", e.getCause().getMessage());
        // Whatever was queued before the stop has run by now; the refused task was never queued.
        gateway.stop(() -> {}, 10);
        assertFalse(ran.get(), "the refused task ran");
    }
}
