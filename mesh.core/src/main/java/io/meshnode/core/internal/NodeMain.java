package io.meshnode.core.internal;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

/**
 * The launcher's main-thread service. The bnd launcher exits with 117 when the framework stops; it
 * exits with what this callable returns instead, so {@code stop 0}, {@code exit} and Ctrl-D end the
 * process with status 0. When this bundle is only being updated, it asks the launcher to wait for the
 * next callable rather than exit.
 */
@Component(service = Callable.class, property = "main.thread:Boolean=true")
public class NodeMain implements Callable<Integer> {
    /** The launcher's "wait for another main-thread service" code. */
    static final int RELISTEN = 198;

    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Bundle framework;

    @Activate
    public NodeMain(BundleContext context) {
        framework = context.getBundle(0);
    }

    @Deactivate
    void deactivate() {
        stopped.countDown();
    }

    @Override
    public Integer call() throws InterruptedException {
        stopped.await();
        return framework.getState() == Bundle.STOPPING ? 0 : RELISTEN;
    }
}
