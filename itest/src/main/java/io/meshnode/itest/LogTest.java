package io.meshnode.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Hashtable;
import java.util.function.BooleanSupplier;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import org.junit.jupiter.api.Test;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.log.LogLevel;
import org.osgi.service.log.Logger;
import org.osgi.service.log.admin.LoggerAdmin;
import org.osgi.test.common.annotation.InjectService;

/** The node logs through the OSGi Log Service: Gogo's log command shows it, and etc/meshnode.log.cfg sets the level live. */
class LogTest {
    private static final long TIMEOUT_MS = 10_000;

    @Test
    void gogoLogShowsRecentMeshEntries(@InjectService(timeout = TIMEOUT_MS) CommandProcessor gogo) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Object result;
        try (PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
            CommandSession session = gogo.createSession(new ByteArrayInputStream(new byte[0]), print, print)) {
            result = session.execute("log 1000 info"); // the console prints what the command returns
        }
        String text = result + out.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("providers at start"), "mesh.core's start-up line in the log history:\n" + text);
    }

    @Test
    void levelFromConfigurationAppliesLive(@InjectService(timeout = TIMEOUT_MS) ConfigurationAdmin cm,
        @InjectService(timeout = TIMEOUT_MS) LoggerAdmin admin) throws Exception {
        assertEquals(LogLevel.INFO, rootLevel(admin), "the default level");
        Configuration config = cm.getConfiguration("meshnode.log", "?");
        try {
            Hashtable<String, Object> props = new Hashtable<>();
            props.put("level", "debug");
            config.update(props);
            await(() -> rootLevel(admin) == LogLevel.DEBUG, "root level DEBUG");
            props.put("level", "nonsense");
            config.update(props);
            props.put("level", "WARN");
            config.update(props);
            await(() -> rootLevel(admin) == LogLevel.WARN, "an invalid level is refused and the next valid one applies");
        } finally {
            config.delete();
        }
        await(() -> rootLevel(admin) == LogLevel.INFO, "back to the default once the configuration is gone");
    }

    private static LogLevel rootLevel(LoggerAdmin admin) {
        return admin.getLoggerContext(null).getLogLevels().get(Logger.ROOT_LOGGER_NAME);
    }

    private static void await(BooleanSupplier condition, String what) {
        Await.until(java.time.Duration.ofMillis(TIMEOUT_MS), condition::getAsBoolean, done -> done, what);
    }
}
