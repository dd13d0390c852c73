package io.meshnode.runtime.internal;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;
import org.osgi.service.log.Logger;
import org.osgi.service.log.admin.LoggerAdmin;
import org.osgi.service.log.admin.LoggerContext;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import io.meshnode.api.config.ConfigException;
import io.meshnode.api.config.ConfigValues;
import io.meshnode.api.home.NodeHome;

/**
 * Writes the OSGi log where an operator looks: entries at the configured level and above to
 * {@code <home>/data/log/meshnode.log}, rotated by size, and warnings and errors also to standard error, so a bad
 * configuration value or a refused handshake is visible on the console and under systemd; with {@code stdout = true}
 * every line goes to standard output instead (containers, the journal). Lines are text or JSON ({@link LogLine}). The level also becomes
 * the root level of the Log Service's {@link LoggerAdmin}, so that every bundle's loggers (and Gogo's {@code log}
 * command, which reads the Log Service's history) follow it. Configured by {@code etc/meshnode.log.cfg}, live.
 */
@Component(immediate = true, configurationPid = LogSink.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL)
@Designate(ocd = LogSink.Config.class)
public class LogSink implements LogListener {
    static final String PID = "meshnode.log";
    static final String FILE = "data/log/meshnode.log";

    @ObjectClassDefinition(name = "Meshnode log", description = "The node's log level and log file (etc/meshnode.log.cfg).")
    public @interface Config {
        @AttributeDefinition(description = "Least severe level logged, for every bundle and the file: ERROR, WARN, INFO, DEBUG or TRACE. Warnings and errors also go to stderr.")
        String level() default "INFO";

        @AttributeDefinition(name = "file.size", description = "Size at which data/log/meshnode.log is rotated to meshnode.log.1: bytes, or a number with k, m or g.")
        String file_size() default "10m";

        @AttributeDefinition(name = "file.count", description = "Rotated files kept besides meshnode.log (meshnode.log.1 is the newest); 0 keeps none.")
        String file_count() default "5";

        @AttributeDefinition(description = "Line format of the log file (and stdout): text, or json (one object a line: time, level, bundle, message, peer).")
        String format() default "text";

        @AttributeDefinition(description = "Also write every log line to stdout (containers, systemd's journal); warnings and errors then go to stdout only.")
        String stdout() default "false";
    }

    private final PrintStream console = System.err;
    private final PrintStream stdout = System.out;
    private final Path file;
    private volatile LogSettings settings;
    private volatile LoggerAdmin admin;
    private RotatingLog out;

    @Activate
    public LogSink(BundleContext context, Config config, Map<String, Object> properties) {
        LogSettings parsed = parse(config, properties);
        settings = parsed != null ? parsed : LogSettings.DEFAULTS;
        Path home = NodeHome.home(context);
        file = home == null ? null : home.resolve(FILE);
        if (file != null) {
            try {
                out = new RotatingLog(file, settings.fileSize(), settings.fileCount());
            } catch (IOException e) {
                console.println("meshnode: cannot open the log file " + file + ": " + e.getMessage());
            }
        }
        applyLevel();
    }

    @Modified
    void modified(Config config, Map<String, Object> properties) {
        LogSettings next = parse(config, properties);
        if (next == null) {
            return;
        }
        LogSettings before = settings;
        settings = next;
        synchronized (this) {
            if (out != null) {
                out.limits(next.fileSize(), next.fileCount());
            }
        }
        applyLevel();
        if (before.level() != next.level()) {
            write(LogLevel.INFO, "node.runtime", "log level changed from " + before.level() + " to " + next.level());
        }
    }

    @Deactivate
    void deactivate() throws IOException {
        synchronized (this) {
            if (out != null) {
                out.close();
                out = null;
            }
        }
    }

    // Optional: Apache Karaf's pax-logging has no log reader; Karaf keeps its own log file (data/log/karaf.log).
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    void bindReader(LogReaderService r) {
        r.addLogListener(this);
    }

    void unbindReader(LogReaderService r) {
        r.removeLogListener(this);
    }

    // Optional: a Log Service without LoggerAdmin (e.g. Karaf's pax-logging) keeps its own levels.
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    void bindAdmin(LoggerAdmin a) {
        admin = a;
        applyLevel();
    }

    void unbindAdmin(LoggerAdmin a) {
        if (admin == a) {
            admin = null;
        }
    }

    private void applyLevel() {
        LoggerAdmin a = admin;
        LogSettings s = settings;
        if (a == null || s == null) {
            return;
        }
        LoggerContext root = a.getLoggerContext(null);
        Map<String, LogLevel> levels = new HashMap<>(root.getLogLevels());
        if (levels.put(Logger.ROOT_LOGGER_NAME, s.level()) != s.level()) {
            root.setLogLevels(levels);
        }
    }

    private LogSettings parse(Config config, Map<String, Object> properties) {
        try {
            return LogSettings.parse(config, ConfigValues.of(properties, PID));
        } catch (ConfigException e) {
            // The Log Service may be what is misconfigured: say it where it is seen for sure.
            String line = e.getMessage() + "; keeping the previous log configuration";
            console.println("ERROR [node.runtime] " + line);
            write(LogLevel.ERROR, "node.runtime", line);
            return null;
        }
    }

    @Override
    public void logged(LogEntry entry) {
        LogLevel level = entry.getLogLevel();
        boolean warning = LogLevel.WARN.implies(level);
        // Framework events (bundle started, service registered) are noise unless something went wrong.
        if (!settings.level().implies(level) || !warning && entry.getLoggerName().startsWith("Events.")) {
            return;
        }
        String bundle = entry.getBundle() == null ? "-" : entry.getBundle().getSymbolicName();
        write(new LogLine(entry.getTime(), level, bundle, entry.getMessage(),
            entry.getException() == null ? null : entry.getException().toString()));
        // With stdout = true the line is on stdout already: a second copy on stderr would double it in the journal.
        if (warning && !settings.stdout()) {
            console.println(level + " [" + bundle + "] " + entry.getMessage());
        }
    }

    private void write(LogLevel level, String bundle, String message) {
        write(new LogLine(System.currentTimeMillis(), level, bundle, message, null));
    }

    private synchronized void write(LogLine entry) {
        LogSettings s = settings != null ? settings : LogSettings.DEFAULTS; // null while the first one is parsed
        String line = s.json() ? entry.json() : entry.text();
        if (s.stdout()) {
            stdout.println(line);
        }
        if (out == null) {
            return;
        }
        try {
            out.write(line);
        } catch (IOException e) {
            console.println("meshnode: writing " + file + " failed, file logging stopped: " + e.getMessage());
            try {
                out.close();
            } catch (IOException ignored) {
                // already failing
            }
            out = null;
        }
    }
}
