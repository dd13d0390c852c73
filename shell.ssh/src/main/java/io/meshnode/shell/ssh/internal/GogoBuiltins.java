package io.meshnode.shell.ssh.internal;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;

import org.apache.felix.gogo.jline.Builtin;
import org.apache.felix.gogo.jline.Converters;
import org.apache.felix.gogo.jline.Posix;
import org.apache.felix.gogo.jline.Procedural;
import org.apache.felix.gogo.jline.Shell;
import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.Converter;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

/**
 * The shell builtins of gogo.jline ({@code gogo:} scope: {@code complete}, {@code grep}, {@code each},
 * {@code gosh}, ...) and its converters, registered at a lower ranking than gogo.jline's own. A headless node
 * never starts gogo.jline (on a dumb terminal it would spin), yet remote sessions run its shell and profile,
 * which need them; with the local console running, gogo.jline's registrations win.
 */
@Component(immediate = true, service = {})
public class GogoBuiltins {
    private static final int FALLBACK_RANKING = -100;

    private final List<ServiceRegistration<?>> registrations = new ArrayList<>();

    @Activate
    public GogoBuiltins(BundleContext context, @Reference CommandProcessor processor,
        @Reference(service = LoggerFactory.class) Logger log) {
        try {
            register(context, Builtin.class, new Builtin());
            register(context, Procedural.class, new Procedural());
            register(context, Posix.class, new Posix(processor));
            register(context, Shell.class, new Shell(SshConsole.shellContext(context::getProperty), processor));
            registrations.add(context.registerService(Converter.class,
                new Converters(context.getBundle(0).getBundleContext()), ranking()));
        } catch (ReflectiveOperationException e) {
            log.warn("gogo.jline {} has no function list where expected ({}): remote sessions lack its builtins",
                Builtin.class.getPackage().getImplementationVersion(), e.toString());
        }
    }

    private <T> void register(BundleContext context, Class<T> type, T commands) throws ReflectiveOperationException {
        Hashtable<String, Object> properties = ranking();
        properties.put(CommandProcessor.COMMAND_SCOPE, "gogo");
        properties.put(CommandProcessor.COMMAND_FUNCTION, functions(type));
        registrations.add(context.registerService(type, commands, properties));
    }

    /** The command names of a gogo.jline command class: a package-private constant, read as its activator does. */
    static String[] functions(Class<?> type) throws ReflectiveOperationException {
        Field functions = type.getDeclaredField("functions");
        functions.setAccessible(true);
        return ((String[]) functions.get(null)).clone();
    }

    private static Hashtable<String, Object> ranking() {
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(Constants.SERVICE_RANKING, FALLBACK_RANKING);
        return properties;
    }

    @Deactivate
    void deactivate() {
        for (ServiceRegistration<?> r : registrations) {
            try {
                r.unregister();
            } catch (IllegalStateException e) {
                // already gone with the framework
            }
        }
    }
}
