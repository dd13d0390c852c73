package io.meshnode.node.launch;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;

/**
 * Keeps the interactive console (Gogo JLine, start level 2) from starting in a node without a terminal, where it would
 * spin on a dumb terminal. The framework rises to the operators' tools' level above it (3) in both cases; node's Main
 * says which case this is ({@code meshnode.console}).
 * <p>
 * An embedded activator of the bnd launcher, run after the launcher has started every bundle (Gogo JLine then only
 * persistently marked, its level not reached yet) and before it raises the framework to the beginning level: a
 * persistent stop clears that mark. The next start's launcher marks it again.
 */
public final class ConsoleSwitch implements BundleActivator {
    /** Read by the bnd launcher: run once the bundles are started, before the start level rises. */
    public static final String IMMEDIATE = "AFTER_BUNDLES_START";
    static final String CONSOLE = "meshnode.console";
    static final String SHELL = "org.apache.felix.gogo.jline";

    @Override
    public void start(BundleContext systemContext) throws BundleException {
        if (!"false".equals(systemContext.getProperty(CONSOLE))) {
            return;
        }
        for (Bundle b : systemContext.getBundles()) {
            if (SHELL.equals(b.getSymbolicName()) && b.getState() != Bundle.ACTIVE) {
                b.stop();
            }
        }
    }

    @Override
    public void stop(BundleContext systemContext) {
        // nothing started
    }
}
