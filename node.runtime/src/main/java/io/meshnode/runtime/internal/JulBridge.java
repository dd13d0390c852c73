package io.meshnode.runtime.internal;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.namespace.PackageNamespace;
import org.osgi.framework.wiring.BundleCapability;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;

import io.meshnode.api.config.ConfigException;
import io.meshnode.api.config.ConfigValues;

/**
 * java.util.logging into the OSGi Log Service, so that the libraries' logging reaches {@code data/log/meshnode.log}
 * at the configured level: the JDK's own, Netty's (its InternalLoggerFactory uses SLF4J or JUL) and Apache SSHD's
 * (SLF4J 1.7, bound to JUL by slf4j-jdk14, see cnf/framework.bnd). No maintained SLF4J binding writes to the OSGi Log
 * Service without bringing a logging framework of its own (pax-logging, logback), so the one hop of own code is here.
 * <p>
 * Replaces the root logger's handlers (the JDK's console handler, which wrote to stderr: LogSink prints warnings
 * there itself) while active and puts them back when deactivated. The root logger's level follows {@code level} of
 * {@code etc/meshnode.log.cfg}, so SLF4J's and Netty's {@code isDebugEnabled()} answer by it. Each record is logged as
 * the bundle that exports the logger name's package (Netty's, SSHD's), or as the system bundle (the JDK).
 */
@Component(immediate = true, configurationPid = LogSink.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL)
public class JulBridge extends Handler {
    private static final java.util.logging.Logger ROOT = java.util.logging.Logger.getLogger("");

    private final BundleContext context;
    private final LoggerFactory factory;
    private final Formatter formatter = new Formatter() {
        @Override
        public String format(LogRecord r) {
            return formatMessage(r);
        }
    };
    private final Map<String, Bundle> owners = new ConcurrentHashMap<>();
    private final Handler[] replaced;
    private final Level levelBefore;

    @Activate
    public JulBridge(BundleContext context, @Reference LoggerFactory factory, LogSink.Config config,
        Map<String, Object> properties) {
        this.context = context;
        this.factory = factory;
        levelBefore = ROOT.getLevel();
        replaced = ROOT.getHandlers();
        for (Handler h : replaced) {
            ROOT.removeHandler(h);
        }
        ROOT.addHandler(this);
        modified(config, properties);
    }

    @Modified
    void modified(LogSink.Config config, Map<String, Object> properties) {
        try {
            Level level = level(LogSettings.parse(config, ConfigValues.of(properties, LogSink.PID)).level());
            ROOT.setLevel(level);
            setLevel(level);
        } catch (ConfigException e) {
            // LogSink reports it and keeps the previous level; so does this
        }
    }

    @Deactivate
    void deactivate() {
        ROOT.removeHandler(this);
        for (Handler h : replaced) {
            ROOT.addHandler(h);
        }
        ROOT.setLevel(levelBefore);
    }

    static Level level(LogLevel level) {
        return switch (level) {
            case AUDIT, ERROR -> Level.SEVERE;
            case WARN -> Level.WARNING;
            case INFO -> Level.INFO;
            case DEBUG -> Level.FINE;
            case TRACE -> Level.FINEST;
        };
    }

    static LogLevel level(Level level) {
        int v = level.intValue();
        return v >= Level.SEVERE.intValue() ? LogLevel.ERROR
            : v >= Level.WARNING.intValue() ? LogLevel.WARN
            : v >= Level.INFO.intValue() ? LogLevel.INFO
            : v >= Level.FINE.intValue() ? LogLevel.DEBUG : LogLevel.TRACE;
    }

    @Override
    public void publish(LogRecord record) {
        if (record == null || !isLoggable(record)) {
            return;
        }
        String name = record.getLoggerName() == null ? "" : record.getLoggerName();
        Logger log;
        try {
            log = factory.getLogger(owner(name), name.isEmpty() ? "jul" : name, Logger.class);
        } catch (IllegalArgumentException | IllegalStateException e) {
            return; // the owning bundle went away meanwhile
        }
        String message = formatter.formatMessage(record);
        Throwable thrown = record.getThrown();
        // "{}" with the message as its argument: a brace in the message is not a placeholder
        switch (level(record.getLevel())) {
            case ERROR -> log.error("{}", message, thrown);
            case WARN -> log.warn("{}", message, thrown);
            case INFO -> log.info("{}", message, thrown);
            case DEBUG -> log.debug("{}", message, thrown);
            default -> log.trace("{}", message, thrown);
        }
    }

    /** The bundle exporting the longest package prefix of a logger name (a class name, usually), else the system bundle. */
    private Bundle owner(String name) {
        Bundle b = owners.get(name);
        if (b == null || b.getState() == Bundle.UNINSTALLED) {
            b = find(name);
            owners.put(name, b);
        }
        return b;
    }

    private Bundle find(String name) {
        Bundle system = context.getBundle(0);
        if (name.startsWith("java.") || name.startsWith("javax.") || name.startsWith("jdk.") || name.startsWith("sun.")
            || name.startsWith("com.sun.")) {
            return system;
        }
        for (String pkg = name; pkg.indexOf('.') > 0; ) {
            pkg = pkg.substring(0, pkg.lastIndexOf('.'));
            for (Bundle candidate : context.getBundles()) {
                BundleWiring wiring = candidate.adapt(BundleWiring.class);
                if (candidate.getBundleId() == 0 || wiring == null) {
                    continue;
                }
                for (BundleCapability c : wiring.getCapabilities(PackageNamespace.PACKAGE_NAMESPACE)) {
                    if (pkg.equals(c.getAttributes().get(PackageNamespace.PACKAGE_NAMESPACE))) {
                        return candidate;
                    }
                }
            }
        }
        return system;
    }

    @Override
    public void flush() {
        // nothing buffered
    }

    @Override
    public void close() {
        // the component's life cycle, not LogManager's, ends it
    }
}
