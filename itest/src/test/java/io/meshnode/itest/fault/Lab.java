package io.meshnode.itest.fault;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The fault suite's private network: one network namespace per host, each linked by a veth pair to a
 * bridge in the lab's own namespace, addresses in a /24 of 10.0.0.0/8 chosen per run, and an
 * {@code unreachable} route for that /24 in the root namespace so nothing leaves the machine.
 * Namespace names carry this JVM's pid ({@code mnf-<pid>-...}), so parallel runs never collide and
 * {@code itest/fault/lab.sh sweep} can remove the leftovers of a run that died. The work is done by
 * {@code lab.sh}; this class decides names and addresses and tears the lab down even when the JVM exits
 * on a failure.
 */
final class Lab implements AutoCloseable {
    /** Debian packages the suite needs: ip/ss come with iproute2, the rest may be missing on a fresh machine. */
    static final List<String> PACKAGES = List.of("iproute2", "nftables", "iptables", "gcc", "libnetfilter-queue-dev");

    final String name;
    final String prefix;
    final int hosts;
    private final Path script;
    private final Thread cleanup;

    private Lab(String name, String prefix, int hosts, Path script) {
        this.name = name;
        this.prefix = prefix;
        this.hosts = hosts;
        this.script = script;
        this.cleanup = new Thread(this::down, "lab-cleanup-" + name);
    }

    static Path dir() {
        return Path.of(System.getProperty("meshnode.fault.dir", "fault")).toAbsolutePath();
    }

    /**
     * Why the suite cannot run on this machine, or null if it can. A missing package is not a reason: as
     * root on Debian the suite installs it ({@link #installMissingPackages}).
     */
    static String unavailable() {
        int uid;
        try {
            uid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | UnsupportedOperationException e) {
            return "cannot tell the user id (" + e + "): not Linux?";
        }
        if (uid != 0) {
            return "not running as root (uid " + uid + "): network namespaces, bridges and nftables rules need root";
        }
        return null;
    }

    /** As root on Debian: apt-get installs what is missing (the README's single test command works on a fresh machine). */
    static void installMissingPackages() throws IOException, InterruptedException {
        if (!onPath("dpkg-query")) {
            return; // not Debian: the tools must be there already, or building the lab fails and says what is missing
        }
        List<String> missing = new ArrayList<>();
        for (String p : PACKAGES) {
            if (run(List.of("dpkg-query", "-W", "-f=${Status}", p), false).contains("install ok installed")) {
                continue;
            }
            missing.add(p);
        }
        if (missing.isEmpty()) {
            return;
        }
        if (!onPath("apt-get")) {
            throw new IllegalStateException("the fault suite needs " + missing + " and this is not a Debian machine "
                + "(no apt-get): install them");
        }
        System.out.println("[fault] installing " + missing + " with apt-get");
        List<String> install = new ArrayList<>(List.of("apt-get", "install", "-y", "-q", "-o", "DPkg::Lock::Timeout=300"));
        install.addAll(missing);
        if (runStatus(List.of("apt-get", "update", "-q")) != 0 || runStatus(install) != 0) {
            throw new IllegalStateException("apt-get could not install " + missing);
        }
    }

    /** Compiles the NFQUEUE delay program into target/ (at test time, from itest/fault/nfq-delay.c). */
    static Path buildDelayProgram(Path targetDir) throws IOException, InterruptedException {
        Path out = targetDir.resolve("nfq-delay");
        Path src = dir().resolve("nfq-delay.c");
        run(List.of("gcc", "-O2", "-Wall", "-o", out.toString(), src.toString(), "-lnetfilter_queue", "-lnfnetlink"),
            true);
        return out;
    }

    /** Removes the leftovers of crashed runs, then builds a lab of {@code hosts} hosts on a free /24. */
    static Lab up(int hosts) throws IOException, InterruptedException {
        try {
            run(List.of("ip", "netns", "list"), true);
        } catch (IllegalStateException e) {
            throw new IllegalStateException("no `ip netns` (network namespaces) on this machine: " + e.getMessage(), e);
        }
        Path script = dir().resolve("lab.sh");
        run(List.of("bash", script.toString(), "sweep"), true);
        String routes = run(List.of("ip", "-4", "route", "show", "table", "all"), true)
            + run(List.of("ip", "-4", "addr"), true);
        String tag = Long.toString(ThreadLocalRandom.current().nextLong(36 * 36 * 36), 36);
        String name = "mnf-" + ProcessHandle.current().pid() + "-" + tag;
        for (int attempt = 0; attempt < 50; attempt++) {
            // 10.200.0.0 - 10.254.255.0: the second octet keeps clear of the most common 10.0.x-10.1xx.x networks
            String prefix = "10." + ThreadLocalRandom.current().nextInt(200, 255) + "."
                + ThreadLocalRandom.current().nextInt(0, 256);
            if (routes.contains(prefix + ".")) {
                continue;
            }
            Lab lab = new Lab(name, prefix, hosts, script);
            Runtime.getRuntime().addShutdownHook(lab.cleanup);
            try {
                run(List.of("bash", script.toString(), "up", name, prefix, Integer.toString(hosts)), true);
            } catch (RuntimeException e) {
                lab.close();
                throw e;
            }
            return lab;
        }
        throw new IllegalStateException("no free /24 in 10.200.0.0/16-10.254.0.0/16");
    }

    String ns(int host) {
        return name + "-n" + host;
    }

    String address(int host) {
        return prefix + "." + (10 + host);
    }

    /** The bridge port of a host, for nft rules. */
    static String port(int host) {
        return "\"p" + host + "\"";
    }

    /** Replaces the fault rules on the bridge (nft bridge-family rule bodies); no rule heals everything. */
    void rules(String... rules) {
        List<String> cmd = new ArrayList<>(List.of("bash", script.toString(), "rules", name));
        cmd.addAll(List.of(rules));
        run(cmd, true);
    }

    /** Connection attempts (SYN without ACK) the bridge forwarded since the lab came up. */
    long syns() {
        return Long.parseLong(run(List.of("bash", script.toString(), "syns", name), true).trim());
    }

    /** A named nft counter's packets and bytes in the bridge's fault chain, from its rule: {packets, bytes}. */
    long[] counter(String comment) {
        String out = run(List.of("ip", "netns", "exec", name + "-br", "nft", "list", "chain", "bridge", "lab",
            "faults"), true);
        for (String line : out.split("\n")) {
            if (line.contains("\"" + comment + "\"")) {
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("packets (\\d+) bytes (\\d+)").matcher(line);
                if (m.find()) {
                    return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))};
                }
            }
        }
        throw new IllegalStateException("no counter " + comment + " in " + out);
    }

    /** Runs a command inside a host's namespace and returns its output. */
    String exec(int host, String... command) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns(host)));
        cmd.addAll(List.of(command));
        return run(cmd, true);
    }

    private void down() {
        try {
            run(List.of("bash", script.toString(), "down", name, prefix), false);
        } catch (RuntimeException e) {
            System.err.println("[fault] tearing down lab " + name + " failed: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        down();
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down: the hook runs anyway
        }
    }

    static boolean onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/sbin", command)) || Files.isExecutable(Path.of("/sbin", command));
    }

    private static int runStatus(List<String> command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).inheritIO();
        pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
        Process p = pb.start();
        return p.waitFor();
    }

    /** Runs a command to completion; with {@code check}, a non-zero exit is an exception carrying its output. */
    static String run(List<String> command, boolean check) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish in 60s");
            }
            if (check && p.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed (" + p.exitValue() + "): " + out);
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(String.join(" ", command) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + String.join(" ", command), e);
        }
    }
}
