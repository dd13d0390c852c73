package io.meshnode.shell.internal;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;

import io.meshnode.api.testing.RecordingLogger;

class NodeCommandsTest {
    private final BlockingQueue<Thread> stoppedOn = new ArrayBlockingQueue<>(2);
    private final RecordingLogger log = new RecordingLogger();

    private NodeCommands commands(boolean fails) {
        Bundle framework = Stub.of(Bundle.class, Map.of("stop", a -> {
            stoppedOn.add(Thread.currentThread());
            if (fails) {
                throw new IllegalStateException("already stopping");
            }
            return null;
        }));
        return new NodeCommands(Stub.of(BundleContext.class, Map.of("getBundle", a -> {
            assertTrue((Long) a[0] == 0L);
            return framework;
        })), log.logger(), new Object());
    }

    @Test
    void exitAndShutdownStopTheFrameworkOnAnotherThread() throws Exception {
        commands(false).exit();
        assertNotEquals(Thread.currentThread(), stoppedOn.poll(10, TimeUnit.SECONDS));
        commands(false).shutdown();
        assertNotEquals(Thread.currentThread(), stoppedOn.poll(10, TimeUnit.SECONDS));
    }

    @Test
    void aFailedStopIsLogged() throws Exception {
        commands(true).exit();
        Thread stopper = stoppedOn.poll(10, TimeUnit.SECONDS);
        stopper.join(10_000);
        assertTrue(log.has("ERROR", "could not stop the node: java.lang.IllegalStateException: already stopping"));
    }
}
