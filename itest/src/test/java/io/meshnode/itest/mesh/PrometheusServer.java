package io.meshnode.itest.mesh;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real Prometheus server (Debian's {@code prometheus} package) of the test's own: its own configuration, storage
 * and address, never the package's service on port 9090. Scrapes every second.
 */
final class PrometheusServer implements AutoCloseable {
    private static final Pattern SAMPLE =
        Pattern.compile("\\{\"metric\":\\{([^}]*)\\},\"value\":\\[[^,\\]]+,\"([^\"]*)\"\\]\\}");
    private static final Pattern LABEL = Pattern.compile("\"([^\"]+)\":\"((?:[^\"\\\\]|\\\\.)*)\"");

    final String address;
    final Path dir;
    private final Process process;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /**
     * @param address {@code host:port} for its web server and API
     * @param targets the {@code host:port}s of the /metrics endpoints to scrape
     */
    PrometheusServer(Path binary, Path dir, String address, List<String> targets) throws IOException {
        this.address = address;
        this.dir = Files.createDirectories(dir);
        StringBuilder yml = new StringBuilder()
            .append("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n")
            .append("scrape_configs:\n  - job_name: meshnode\n    static_configs:\n      - targets: [");
        for (int i = 0; i < targets.size(); i++) {
            yml.append(i == 0 ? "" : ", ").append('\'').append(targets.get(i)).append('\'');
        }
        yml.append("]\n");
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, yml);
        process = new ProcessBuilder(binary.toString(), "--config.file=" + config,
            "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=" + address, "--log.level=warn")
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("prometheus.log").toFile())
            .start();
    }

    /**
     * @return the prometheus binary, or {@code null} with the reason in {@code why} when it is not installed
     */
    static Path binary() {
        for (String p : List.of("/usr/bin/prometheus", "/usr/local/bin/prometheus")) {
            if (Files.isExecutable(Path.of(p))) {
                return Path.of(p);
            }
        }
        String path = System.getenv("PATH");
        for (String d : path == null ? new String[0] : path.split(File.pathSeparator)) {
            Path candidate = Path.of(d, "prometheus");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    /**
     * As root on Debian, installs the {@code prometheus} package, with its service kept from starting (a
     * policy-rc.d that refuses, if none is there): the test runs its own server on its own address.
     *
     * @return why it could not, or {@code null} once it is installed
     */
    static String install() throws IOException, InterruptedException {
        int uid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        if (uid != 0) {
            return "the prometheus package (Debian) is not installed and this is not root (uid " + uid
                + "): apt-get install prometheus";
        }
        if (!Files.isExecutable(Path.of("/usr/bin/apt-get"))) {
            return "no prometheus binary and no apt-get to install one";
        }
        Path policy = Path.of("/usr/sbin/policy-rc.d");
        boolean ours = !Files.exists(policy);
        if (ours) {
            Files.writeString(policy, "#!/bin/sh\n# written by MetricsIT while installing prometheus\nexit 101\n");
            policy.toFile().setExecutable(true);
        }
        try {
            System.out.println("[metrics] installing prometheus with apt-get");
            for (List<String> command : List.of(List.of("apt-get", "update", "-q"),
                List.of("apt-get", "install", "-y", "-q", "-o", "DPkg::Lock::Timeout=300", "prometheus"))) {
                ProcessBuilder pb = new ProcessBuilder(command).inheritIO();
                pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
                if (pb.start().waitFor() != 0) {
                    return "apt-get could not install prometheus (" + String.join(" ", command) + " failed)";
                }
            }
        } finally {
            if (ours) {
                Files.deleteIfExists(policy);
            }
        }
        return binary() == null ? "apt-get installed prometheus but there is no prometheus binary" : null;
    }

    boolean ready() {
        try {
            return get("/-/ready").statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    boolean alive() {
        return process.isAlive();
    }

    /**
     * An instant query.
     *
     * @return one map per sample: its labels, and its value under {@code __value__}; empty if the query failed
     */
    List<Map<String, String>> query(String promql) {
        try {
            HttpResponse<String> r = get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
            if (r.statusCode() != 200) {
                return List.of();
            }
            List<Map<String, String>> samples = new ArrayList<>();
            Matcher m = SAMPLE.matcher(r.body());
            while (m.find()) {
                Map<String, String> sample = new LinkedHashMap<>();
                Matcher l = LABEL.matcher(m.group(1));
                while (l.find()) {
                    sample.put(l.group(1), l.group(2));
                }
                sample.put("__value__", m.group(2));
                samples.add(sample);
            }
            return samples;
        } catch (IOException e) {
            return List.of();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://" + address + path)).timeout(Duration.ofSeconds(5))
            .build(), HttpResponse.BodyHandlers.ofString());
    }

    String log() {
        try {
            return Files.readString(dir.resolve("prometheus.log"));
        } catch (IOException e) {
            return "<no log: " + e + ">";
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
    }
}
