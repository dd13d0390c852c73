package io.meshnode.shell.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.startlevel.FrameworkStartLevel;

import io.meshnode.api.testing.RecordingLogger;

class ConsoleStarterTest {
    private final RecordingLogger log = new RecordingLogger();
    private final Map<String, String> properties = new HashMap<>();
    private final List<Integer> levelsSet = new ArrayList<>();
    private int level = 1;

    private void start(boolean terminal) {
        FrameworkStartLevel fsl = Stub.of(FrameworkStartLevel.class, Map.of(
            "getStartLevel", a -> level,
            "setStartLevel", a -> levelsSet.add((Integer) a[0])));
        Bundle framework = Stub.of(Bundle.class, Map.of("adapt", a -> fsl));
        BundleContext context = Stub.of(BundleContext.class, Map.of(
            "getProperty", a -> properties.get((String) a[0]),
            "getBundle", a -> framework));
        new ConsoleStarter(context, log.logger(), terminal);
    }

    @Test
    void withATerminalTheFrameworkIsRaisedToTheShellsStartLevel() {
        start(true);
        assertEquals(List.of(2), levelsSet);
        assertEquals(List.of(), log.lines());
    }

    @Test
    void aLevelThatIsAlreadyHighEnoughIsLeftAlone() {
        level = 3;
        start(true);
        assertEquals(List.of(), levelsSet);
    }

    @Test
    void withoutATerminalTheNodeRunsHeadless() {
        start(false);
        assertEquals(List.of(), levelsSet);
        assertEquals(List.of("INFO no terminal attached: running headless (stop with SIGTERM)"), log.lines());
    }

    @Test
    void theFrameworkPropertyOverridesTheTerminalCheck() {
        properties.put(ConsoleStarter.CONSOLE, "false");
        start(true);
        assertEquals(List.of(), levelsSet);
        properties.put(ConsoleStarter.CONSOLE, "TRUE");
        start(false);
        assertEquals(List.of(2), levelsSet);
    }

    @Test
    void anUnknownPropertyValueIsReportedAndTheTerminalDecides() {
        properties.put(ConsoleStarter.CONSOLE, "yes");
        start(false);
        assertEquals(List.of(), levelsSet);
        assertTrue(log.has("WARN", "meshnode.console=yes is neither true nor false"));
    }
}
