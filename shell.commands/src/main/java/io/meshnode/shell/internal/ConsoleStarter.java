package io.meshnode.shell.internal;

import java.util.Locale;

import org.osgi.framework.BundleContext;
import org.osgi.framework.startlevel.FrameworkStartLevel;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * Starts the interactive console when a terminal is attached, by raising the framework to the start level of
 * the Gogo JLine shell bundle. Without a terminal that shell would spin on a dumb terminal, so a headless node
 * leaves it stopped. The framework property {@code meshnode.console} ({@code true}/{@code false}) overrides
 * the check.
 * <p>
 * Deactivation deliberately lowers nothing: a hot update of this bundle must not take the console away.
 */
@Component(immediate = true, service = {})
public class ConsoleStarter {
    static final String CONSOLE = "meshnode.console";
    static final int SHELL_START_LEVEL = 2;

    /**
     * @param commands not used: requiring it means the shell never starts before the mesh commands exist. The
     *        Mesh service is not required, since mesh.core may be in the middle of an update.
     */
    @Activate
    public ConsoleStarter(BundleContext context, @Reference MeshCommands commands,
        @Reference(service = LoggerFactory.class) Logger log) {
        this(context, log, System.console() != null);
    }

    ConsoleStarter(BundleContext context, Logger log, boolean terminal) {
        if (!interactive(context.getProperty(CONSOLE), terminal, log)) {
            log.info("no terminal attached: running headless (stop with SIGTERM)");
            return;
        }
        FrameworkStartLevel fsl = context.getBundle(0).adapt(FrameworkStartLevel.class);
        if (fsl.getStartLevel() < SHELL_START_LEVEL) {
            fsl.setStartLevel(SHELL_START_LEVEL);
        }
    }

    private static boolean interactive(String property, boolean terminal, Logger log) {
        if (property == null || property.isBlank()) {
            return terminal;
        }
        switch (property.trim().toLowerCase(Locale.ROOT)) {
            case "true":
                return true;
            case "false":
                return false;
            default:
                log.warn("{}={} is neither true nor false; deciding from the terminal", CONSOLE, property);
                return terminal;
        }
    }
}
