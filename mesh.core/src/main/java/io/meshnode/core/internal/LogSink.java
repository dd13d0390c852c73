package io.meshnode.core.internal;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.LogEntry;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.LogListener;
import org.osgi.service.log.LogReaderService;

/**
 * Writes the OSGi log where an operator looks: every entry at INFO and above to
 * {@code <home>/data/log/meshnode.log}, and warnings and errors also to standard error, so a bad
 * configuration value or a refused handshake is visible on the console and under systemd.
 */
@Component(immediate = true)
public class LogSink implements LogListener {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS")
        .withZone(ZoneId.systemDefault());

    private final LogReaderService reader;
    private final PrintStream console = System.err;
    private Writer file;

    @Activate
    public LogSink(BundleContext context, @Reference LogReaderService reader) {
        this.reader = reader;
        Path home = NodeHome.home(context);
        if (home != null) {
            try {
                Path log = home.resolve("data/log/meshnode.log");
                Files.createDirectories(log.getParent());
                file = Files.newBufferedWriter(log, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                console.println("meshnode: cannot open the log file: " + e.getMessage());
            }
        }
        reader.addLogListener(this);
    }

    @Deactivate
    void deactivate() throws IOException {
        reader.removeLogListener(this);
        synchronized (this) {
            if (file != null) {
                file.close();
                file = null;
            }
        }
    }

    @Override
    public void logged(LogEntry entry) {
        LogLevel level = entry.getLogLevel();
        boolean warning = LogLevel.WARN.implies(level);
        // Framework events (bundle started, service registered) are noise unless something went wrong.
        if (!LogLevel.INFO.implies(level) || !warning && entry.getLoggerName().startsWith("Events.")) {
            return;
        }
        String bundle = entry.getBundle() == null ? "-" : entry.getBundle().getSymbolicName();
        String line = TIME.format(Instant.ofEpochMilli(entry.getTime())) + " " + level + " [" + bundle + "] "
            + entry.getMessage() + (entry.getException() == null ? "" : " : " + entry.getException());
        synchronized (this) {
            if (file != null) {
                try {
                    file.write(line);
                    file.write('\n');
                    file.flush();
                } catch (IOException e) {
                    file = null;
                }
            }
        }
        if (warning) {
            console.println(level + " [" + bundle + "] " + entry.getMessage());
        }
    }
}
