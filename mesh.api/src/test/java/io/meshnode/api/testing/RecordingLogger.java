package io.meshnode.api.testing;

import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.osgi.service.log.Logger;

/**
 * An OSGi {@link Logger} for unit tests that keeps every line as {@code LEVEL message} and echoes it to the test's
 * output; {@link #quiet()} keeps only INFO and above, without the echo, for simulations of many nodes.
 */
public final class RecordingLogger {
    private final List<String> lines;
    private final Logger logger;

    public RecordingLogger() {
        this(true);
    }

    /** @return a logger that keeps INFO, WARN and ERROR lines, formats nothing below them and echoes nothing */
    public static RecordingLogger quiet() {
        return new RecordingLogger(false);
    }

    private RecordingLogger(boolean verbose) {
        lines = verbose ? new CopyOnWriteArrayList<>() : java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        logger = (Logger) Proxy.newProxyInstance(Logger.class.getClassLoader(), new Class<?>[] {Logger.class},
            (proxy, method, args) -> {
                String name = method.getName();
                boolean below = name.equals("isDebugEnabled") || name.equals("isTraceEnabled") || name.equals("debug")
                    || name.equals("trace");
                if (name.startsWith("is")) {
                    return verbose || !below;
                }
                if (!verbose && below) {
                    return null;
                }
                if (name.equals("getName")) {
                    return "test";
                }
                if (args != null && args.length > 0 && args[0] instanceof String) {
                    String msg = (String) args[0];
                    java.util.List<Object> params = new java.util.ArrayList<>();
                    for (int i = 1; i < args.length; i++) {
                        if (args[i] instanceof Object[]) {
                            params.addAll(java.util.Arrays.asList((Object[]) args[i]));
                        } else {
                            params.add(args[i]);
                        }
                    }
                    for (Object param : params) {
                        int at = msg.indexOf("{}");
                        if (at < 0) {
                            break;
                        }
                        msg = msg.substring(0, at) + param + msg.substring(at + 2);
                    }
                    lines.add(name.toUpperCase() + " " + msg);
                    if (verbose) {
                        System.out.println("[log] " + name.toUpperCase() + " " + msg);
                    }
                }
                return null;
            });
    }

    /** @return the logger to inject */
    public Logger logger() {
        return logger;
    }

    /** @return every line logged so far (a copy, for a quiet logger) */
    public List<String> lines() {
        if (lines instanceof CopyOnWriteArrayList) {
            return lines;
        }
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    /**
     * @param level e.g. {@code WARN}
     * @return the lines logged at that level
     */
    public List<String> at(String level) {
        return lines().stream().filter(l -> l.startsWith(level + " ")).collect(java.util.stream.Collectors.toList());
    }

    /**
     * @param level e.g. {@code ERROR}
     * @param fragment text the line contains
     * @return {@code true} if such a line was logged
     */
    public boolean has(String level, String fragment) {
        return lines().stream().anyMatch(l -> l.startsWith(level + " ") && l.contains(fragment));
    }
}
