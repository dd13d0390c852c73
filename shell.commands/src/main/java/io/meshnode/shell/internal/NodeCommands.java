package io.meshnode.shell.internal;

import java.util.concurrent.Callable;

import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * The {@code node:} console commands. Gogo resolves unscoped names, so {@code exit} works as typed.
 * <p>
 * They stop the whole framework, so they exist only where the framework is the node's own process: the mandatory
 * reference to node.runtime's main-thread service (NodeMain, which gives the process its exit status) keeps them
 * out of Apache Karaf, whose feature has no node.runtime and whose {@code system:shutdown} asks for confirmation.
 */
@Component(immediate = true, service = NodeCommands.class)
@GogoCommand(scope = "node", function = {"exit", "shutdown"})
public class NodeCommands {
    private final BundleContext context;
    private final Logger log;

    @Activate
    public NodeCommands(BundleContext context, @Reference(service = LoggerFactory.class) Logger log,
        @Reference(service = Callable.class, target = "(main.thread=true)") Object nodeProcess) {
        this.context = context;
        this.log = log;
    }

    @Descriptor("stop the node: close every link, stop all bundles; the node exits with status 0")
    public void exit() {
        shutdown();
    }

    @Descriptor("stop the node: close every link, stop all bundles; the node exits with status 0")
    public void shutdown() {
        System.out.println("stopping node");
        // Not on the Gogo thread: stopping the framework stops the shell, which waits for (and interrupts)
        // the very command that is running.
        new Thread(this::stopFramework, "meshnode-shutdown").start();
    }

    private void stopFramework() {
        try {
            context.getBundle(0).stop();
        } catch (BundleException | RuntimeException e) {
            log.error("could not stop the node: {}", e.toString(), e);
        }
    }
}
