package io.meshnode.itest.mesh;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One Meshnode process started from the exported jar, headless, with its own home and configuration.
 * The test reads what the node printed and logged; it never reaches into the process.
 */
final class NodeProcess implements AutoCloseable {
    static final Pattern READY = Pattern.compile("meshnode ready: node ([0-9a-f]{40}) listening on (\\S+)");
    private static final DateTimeFormatter LOG_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");

    final String name;
    final Path home;
    final String listen;
    final Map<String, Map<String, String>> config = new LinkedHashMap<>();
    final List<String> stdout = new CopyOnWriteArrayList<>();
    /** Extra JVM options, e.g. for remote JMX. */
    final List<String> jvm = new ArrayList<>();
    private Process process;
    private String id;

    NodeProcess(Path root, String name, String listen) {
        this.name = name;
        this.home = root.resolve(name);
        this.listen = listen;
        set("mesh", "listen", listen);
        // Millisecond timings so the whole suite runs in seconds.
        set("heartbeat", "interval", "100ms");
        set("heartbeat", "timeout", "50ms");
        set("heartbeat", "missed", "3");
        set("retry", "initial", "100ms");
        set("retry", "max", "400ms");
        set("retry", "stable", "300ms");
        set("transport", "connect.timeout", "100ms");
        // Generous: several cold JVMs start at once on two cores and the first hello can take a while.
        set("transport", "handshake.timeout", "3s");
        set("mesh", "dial.grace", "300ms");
        // No SSH console (about 1 s of CPU at start, bench/console-startup.sh) unless a test turns it on; then
        // on the node's own loopback address, as an operator running several nodes on one machine sets it.
        set("ssh", "enabled", "false");
        int colon = listen.lastIndexOf(':');
        set("ssh", "host", listen.substring(0, colon));
        set("ssh", "port", Integer.toString(Integer.parseInt(listen.substring(colon + 1)) + 1));
        // No metrics endpoint unless a test turns it on (MetricsIT); then on the node's own loopback address (the
        // default when host is not set) and the port the test gives.
        set("metrics", "enabled", "false");
        // The tests configure peers by host:port without pins (ids are known only after the first start).
        set("mesh", "admit", "any");
    }

    static Path jar() {
        Path jar = Path.of(System.getProperty("meshnode.jar", "../node/target/meshnode.jar")).toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("the node jar is missing: " + jar + " (build the node module first)");
        }
        return jar;
    }

    /** Writes a bundle made of one test class (no inner classes) and the manifest given, for a node's deploy/. */
    static void writeBundle(Path jar, Class<?> type, String manifest) throws IOException {
        String entry = type.getName().replace('.', '/') + ".class";
        java.util.jar.Manifest mf = new java.util.jar.Manifest(
            new java.io.ByteArrayInputStream(manifest.getBytes(StandardCharsets.UTF_8)));
        try (java.util.jar.JarOutputStream out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar), mf);
            java.io.InputStream in = type.getClassLoader().getResourceAsStream(entry)) {
            out.putNextEntry(new java.util.jar.JarEntry(entry));
            in.transferTo(out);
            out.closeEntry();
        }
    }

    NodeProcess set(String file, String key, String value) {
        config.computeIfAbsent(file, f -> new LinkedHashMap<>()).put(key, value);
        return this;
    }

    NodeProcess peers(NodeProcess... others) {
        List<String> list = new ArrayList<>();
        for (NodeProcess o : others) {
            if (o != this) {
                list.add(o.listen);
            }
        }
        return set("mesh", "peers", String.join(",", list));
    }

    void writeConfig() throws IOException {
        Files.createDirectories(home.resolve("etc"));
        for (Map.Entry<String, Map<String, String>> f : config.entrySet()) {
            StringBuilder text = new StringBuilder();
            f.getValue().forEach((k, v) -> text.append(k).append(" = ").append(v).append('\n'));
            Path file = home.resolve("etc/meshnode." + f.getKey() + ".cfg");
            Path tmp = home.resolve("etc/." + f.getKey() + ".tmp");
            Files.writeString(tmp, text);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
    }

    NodeProcess start() throws IOException {
        writeConfig();
        stdout.clear();
        id = null;
        List<String> command = new ArrayList<>(List.of(javaBin(), "-Xmx96m", "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1", "-Dmeshnode.console=false"));
        command.addAll(jvm);
        command.addAll(List.of("-jar", jar().toString(), "--home", home.toString()));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.redirectError(ProcessBuilder.Redirect.appendTo(home.resolve("stderr.txt").toFile()));
        process = pb.start();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null;) {
                    stdout.add(line);
                }
            } catch (IOException e) {
                // process ended
            }
        }, "stdout-" + name);
        reader.setDaemon(true);
        reader.start();
        return this;
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Waits for the ready line and returns the node id. */
    String awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (String line : stdout) {
                Matcher m = READY.matcher(line);
                if (m.find()) {
                    id = m.group(1);
                    return id;
                }
            }
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + " before it was ready: "
                    + stdout + " " + stderr());
            }
            Waits.pause();
        }
        throw new IllegalStateException(name + " not ready within " + timeout + ": " + stdout + " " + stderr());
    }

    String id() {
        return id;
    }

    String shortId() {
        return id.substring(0, 12);
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    void signal(String sig) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-" + sig, Long.toString(process.pid())).inheritIO().start().waitFor();
    }

    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** SIGTERM and wait. */
    int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
            return -1;
        }
        return process.exitValue();
    }

    List<String> log() {
        try {
            Path log = home.resolve("data/log/meshnode.log");
            return Files.exists(log) ? Files.readAllLines(log) : List.of();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** Lines of the log that contain every fragment. */
    List<String> logLines(String... fragments) {
        List<String> out = new ArrayList<>();
        for (String line : log()) {
            boolean all = true;
            for (String f : fragments) {
                all &= line.contains(f);
            }
            if (all) {
                out.add(line);
            }
        }
        return out;
    }

    static LocalDateTime time(String logLine) {
        return LocalDateTime.parse(logLine.substring(0, 23), LOG_TIME);
    }

    String stderr() {
        try {
            Path f = home.resolve("stderr.txt");
            return Files.exists(f) ? Files.readString(f) : "";
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (alive()) {
            try {
                signal("CONT");
            } catch (IOException e) {
                // best effort
            }
            if (stop() != 0) {
                kill();
            }
        }
    }

    @Override
    public String toString() {
        return name + "@" + listen;
    }
}
