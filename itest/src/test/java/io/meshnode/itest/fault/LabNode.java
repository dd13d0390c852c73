package io.meshnode.itest.fault;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One node of the distribution jar running as its own host: a JVM inside a lab namespace, with its own
 * home. The test controls it only through channels that do not cross the lab network: its console on a
 * pseudo-terminal ({@code script}, so Gogo's JLine console works and sits idle), signals, its log file
 * and {@code ss} inside its namespace.
 */
final class LabNode {
    private static final Pattern READY = Pattern.compile("meshnode ready: node ([0-9a-f]{40}) listening on (\\S+)");
    private static final Pattern ANSI = Pattern.compile("\u001B(\\[[0-9;?]*[ -/]*[@-~]|[=>]|\\][^\u0007]*\u0007)");
    private static final Pattern LINK_LINE = Pattern.compile(
        "connected to ([0-9a-f]{12})|link to ([0-9a-f]{12}).*?(?: lost:| closed:)");
    private static final DateTimeFormatter LOG_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");

    final int host;
    final String name;
    final Path home;
    final String address;
    final String listen;
    private final Lab lab;
    private final Map<String, Map<String, String>> config = new LinkedHashMap<>();
    private final List<String> output = new CopyOnWriteArrayList<>();
    private final AtomicInteger commands = new AtomicInteger();
    // Read by the chaos soak's monitor thread while the schedule restarts the node.
    private volatile Process process;
    private volatile OutputStream console;
    private volatile long javaPid = -1;
    private volatile String id;
    private volatile int logMark;
    private volatile int startMark;
    private volatile boolean frozen;
    /** Set when the test kills or stops the JVM, cleared by the next start. */
    private volatile boolean going;

    LabNode(Lab lab, Path root, int host, int port) {
        this.lab = lab;
        this.host = host;
        this.name = "n" + host;
        this.home = root.resolve(name);
        this.address = lab.address(host);
        this.listen = address + ":" + port;
        set("mesh", "listen", listen);
        // Peers are configured by address (ids exist only after a first start): admit any node that proves
        // its key; links are still TLS with the key checked against the claimed id.
        set("mesh", "admit", "any");
        set("ssh", "enabled", "false");
    }

    LabNode set(String file, String key, String value) {
        config.computeIfAbsent(file, f -> new LinkedHashMap<>()).put(key, value);
        return this;
    }

    /** Back to the node's default for that key (at the next start or config write). */
    LabNode unset(String file, String key) {
        config.getOrDefault(file, new LinkedHashMap<>()).remove(key);
        return this;
    }

    void writeConfig() throws IOException {
        for (String file : config.keySet()) {
            writeConfig(file);
        }
    }

    /** Writes one file, etc/meshnode.{@code file}.cfg, atomically: a running node applies it live. */
    void writeConfig(String file) throws IOException {
        Files.createDirectories(home.resolve("etc"));
        StringBuilder text = new StringBuilder("# written by the fault suite\n");
        config.getOrDefault(file, Map.of()).forEach((k, v) -> text.append(k).append(" = ").append(v).append('\n'));
        Path tmp = Files.createTempFile(home.resolve("etc"), ".fault", ".tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, home.resolve("etc/meshnode." + file + ".cfg"), StandardCopyOption.REPLACE_EXISTING,
            StandardCopyOption.ATOMIC_MOVE);
    }

    /** Starts the node in its namespace on a pseudo-terminal; returns at once (see {@link #awaitReady}). */
    LabNode start() throws IOException {
        writeConfig();
        startMark = readLog().size();
        output.clear();
        id = null;
        going = false;
        javaPid = -1;
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String jar = Path.of(System.getProperty("meshnode.jar", "../node/target/meshnode.jar")).toAbsolutePath()
            .toString();
        // A real terminal for JLine (a piped stdin would leave it spinning on a dumb terminal); the shell
        // execs java, so java is script's only child.
        String cmd = "stty cols 240 rows 50; exec " + java + " -Xmx96m -XX:+UseSerialGC -XX:TieredStopAtLevel=1"
            + " -Dmeshnode.console=true -jar '" + jar + "' --home '" + home + "'";
        ProcessBuilder pb = new ProcessBuilder("ip", "netns", "exec", lab.ns(host), "script", "-qfec", cmd, "/dev/null");
        pb.environment().put("TERM", "xterm");
        pb.redirectErrorStream(true);
        process = pb.start();
        console = process.getOutputStream();
        Process p = process;
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null;) {
                    output.add(ANSI.matcher(line).replaceAll("").replace("\r", ""));
                }
            } catch (IOException e) {
                // the process ended
            }
        }, "console-" + name);
        reader.setDaemon(true);
        reader.start();
        return this;
    }

    /** Waits for the ready line; returns the node id. */
    String awaitReady(Duration timeout) {
        Poll.until(timeout, () -> {
            for (String line : output) {
                Matcher m = READY.matcher(line);
                if (m.find()) {
                    id = m.group(1);
                    return true;
                }
            }
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited before it was ready: " + output);
            }
            return false;
        }, () -> name + " not ready: " + output);
        javaPid = process.children().findFirst().map(ProcessHandle::pid)
            .orElseThrow(() -> new IllegalStateException(name + ": no java process under script"));
        return id;
    }

    String id() {
        return id;
    }

    String shortId() {
        return id.substring(0, 12);
    }

    /**
     * Whether the node's JVM runs and the test has not begun to kill or stop it: once it has, the node's log no longer
     * speaks for its links (a killed JVM logs nothing), however long its process takes to go.
     */
    boolean alive() {
        return !going && process != null && process.isAlive();
    }

    /** The node's JVM, once it printed its ready line (-1 before). */
    long pid() {
        return javaPid;
    }

    /** Whether the test stopped the JVM (SIGSTOP) and has not let it go on (SIGCONT) since. */
    boolean frozen() {
        return frozen;
    }

    /** Sends a signal to the node's JVM; a JVM that is already gone is not an error. */
    void signal(String sig) {
        if ("STOP".equals(sig)) {
            frozen = true;
        } else if ("CONT".equals(sig) || "KILL".equals(sig)) {
            frozen = false;
        }
        if (javaPid > 0) {
            Lab.run(List.of("kill", "-" + sig, Long.toString(javaPid)), false);
        }
    }

    /** kill -9 of the JVM; script then exits too. */
    void kill() throws InterruptedException {
        if (process != null && process.isAlive()) {
            going = true;
            signal("KILL");
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** SIGTERM (clean stop), then SIGKILL if the node does not exit in time. */
    void stop() throws InterruptedException {
        if (process == null || !process.isAlive()) {
            return;
        }
        going = true;
        signal("CONT");
        signal("TERM");
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            signal("KILL");
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
    }

    /**
     * Runs a Gogo command at the node's console and returns its output lines. The command is framed by
     * two echo commands so that its output can be told from the prompt and the terminal's echo.
     */
    List<String> command(String command, Duration timeout) throws IOException {
        // Input typed before the console is ready is lost (the terminal is flushed as JLine sets it up, also after the
        // first prompt of a node that has just started): a command not begun within 5 s is typed again, and the answer
        // of whichever typing the console ran is taken.
        long deadline = System.nanoTime() + timeout.toNanos();
        Poll.until(timeout, () -> output.stream().anyMatch(l -> l.contains("g!")),
            () -> name + ": no console prompt: " + output);
        List<Integer> typed = new ArrayList<>();
        List<String> result = new ArrayList<>();
        long[] retypeAt = {0};
        Poll.until(timeout, () -> {
            boolean begun = false;
            for (int n : typed) {
                List<String> block = block(n);
                if (block != null && block.size() > 0 && block.get(block.size() - 1) == END) {
                    result.addAll(block.subList(0, block.size() - 1));
                    return true;
                }
                begun |= block != null;
            }
            if (!begun && System.nanoTime() - retypeAt[0] > 0 && System.nanoTime() - deadline < 0) {
                int n = commands.incrementAndGet();
                typed.add(n);
                retypeAt[0] = System.nanoTime() + 5_000_000_000L;
                // Three lines: the console prints a command's value (through the converter) only for the last
                // statement of a line.
                try {
                    console.write(("echo @@begin-" + n + "\n" + command + "\n" + "echo @@end-" + n + "\n")
                        .getBytes(StandardCharsets.UTF_8));
                    console.flush();
                } catch (IOException e) {
                    throw new IllegalStateException(name + ": console: " + e.getMessage(), e);
                }
            }
            return false;
        }, () -> name + ": no answer to '" + command + "': " + output.subList(Math.max(0, output.size() - 20), output.size()));
        return result;
    }

    /** Marks a block's end in {@link #block}'s answer. */
    private static final String END = new String("@@end");

    /**
     * The lines the console printed between the echoes of typing {@code n}: null before its begin marker, the lines so
     * far, and {@link #END} last once its end marker came.
     */
    private List<String> block(int n) {
        String begin = "@@begin-" + n;
        String end = "@@end-" + n;
        List<String> lines = null;
        for (String line : output) {
            String t = line.trim();
            if (lines == null && t.endsWith(begin) && !t.contains("echo")) {
                lines = new ArrayList<>();
            } else if (lines != null && t.endsWith(end) && !t.contains("echo")) {
                lines.add(END);
                return lines;
            } else if (lines != null) {
                lines.add(line);
            }
        }
        return lines;
    }

    /** Remembers where the log ends: {@link #logLines} then reads only what comes after. */
    void markLog() {
        logMark = readLog().size();
    }

    /** The whole log of the node's home, every start included. */
    List<String> readLog() {
        try {
            Path log = home.resolve("data/log/meshnode.log");
            return Files.exists(log) ? Files.readAllLines(log) : List.of();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Log lines written since the mark that contain every fragment. */
    List<String> logLines(String... fragments) {
        List<String> all = readLog();
        List<String> out = new ArrayList<>();
        for (String line : all.subList(Math.min(logMark, all.size()), all.size())) {
            boolean match = true;
            for (String f : fragments) {
                match &= line.contains(f);
            }
            if (match) {
                out.add(line);
            }
        }
        return out;
    }

    /**
     * The node's own view of a peer since its last start: up when its last log line about the peer says
     * "connected to", down after "link to ... lost/closed" or when it never connected.
     */
    boolean linkUp(LabNode peer) {
        String id = peer.id;
        return id != null && view().getOrDefault(id.substring(0, 12), false);
    }

    /**
     * The node's own view of every peer it logged since its last start, by short id: up (true) when its last
     * line about the peer says "connected to", down after "link to ... lost/closed" or once its mesh logged that it
     * is stopping. One read of the log.
     */
    Map<String, Boolean> view() {
        List<String> all = readLog();
        Map<String, Boolean> view = new LinkedHashMap<>();
        for (String line : all.subList(Math.min(startMark, all.size()), all.size())) {
            if (line.contains("[mesh.core] mesh stopping (")) {
                view.replaceAll((peer, up) -> false); // its links go with it, one line for all
                continue;
            }
            Matcher m = LINK_LINE.matcher(line);
            if (m.find()) {
                view.put(m.group(1) != null ? m.group(1) : m.group(2), m.group(1) != null);
            }
        }
        return view;
    }

    /**
     * What Config Admin holds for one of the node's pids (its persisted file under data/), or "" while
     * there is none: a configuration written to etc/ has been taken once it shows here.
     */
    String persisted(String pid) {
        return io.meshnode.itest.mesh.PersistedConfig.of(home, pid);
    }

    static LocalDateTime time(String logLine) {
        return LocalDateTime.parse(logLine.substring(0, 23), LOG_TIME);
    }

    /** Established TCP connections in this host's namespace: "local peer" endpoint pairs. */
    List<String[]> established() {
        List<String[]> out = new ArrayList<>();
        for (String line : lab.exec(host, "ss", "-Htn", "state", "established").split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 4) {
                out.add(new String[] {unmap(f[2]), unmap(f[3])});
            }
        }
        return out;
    }

    private static String unmap(String endpoint) {
        return endpoint.startsWith("[::ffff:") ? endpoint.substring(8).replace("]", "") : endpoint;
    }

    @Override
    public String toString() {
        return name + "@" + listen;
    }
}
