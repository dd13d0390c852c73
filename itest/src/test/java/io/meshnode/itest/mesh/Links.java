package io.meshnode.itest.mesh;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Established TCP connections between a set of nodes, read from the kernel with {@code ss}: the
 * ground truth for "one connection per pair". Each node has its own loopback address, so a
 * connection is identified by the accepting node's listen endpoint and the dialing node's address.
 */
final class Links {
    private Links() {}

    /** @return every established connection accepted by one of the nodes from another, as "a<->b" pairs */
    static List<String> between(Collection<NodeProcess> nodes) {
        Set<String> listens = new HashSet<>();
        nodes.forEach(n -> listens.add(n.listen));
        List<String> pairs = new ArrayList<>();
        for (String line : ss()) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 4) {
                continue;
            }
            String local = unmap(f[2]);
            String peer = unmap(f[3]);
            if (!listens.contains(local)) {
                continue;
            }
            String peerIp = peer.substring(0, peer.lastIndexOf(':'));
            for (NodeProcess n : nodes) {
                if (n.listen.startsWith(peerIp + ":") && !n.listen.equals(local)) {
                    TreeSet<String> pair = new TreeSet<>(List.of(local, n.listen));
                    pairs.add(String.join("<->", pair));
                }
            }
        }
        return pairs;
    }

    /** @return the exact connections (both endpoints, ephemeral port included) between the nodes, sorted */
    static List<String> connections(Collection<NodeProcess> nodes) {
        Set<String> listens = new HashSet<>();
        nodes.forEach(n -> listens.add(n.listen));
        List<String> out = new ArrayList<>();
        for (String line : ss()) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 4 && listens.contains(unmap(f[2]))) {
                out.add(unmap(f[2]) + "<-" + unmap(f[3]));
            }
        }
        out.sort(null);
        return out;
    }

    /** @return the bytes sent so far on every established connection whose local address is {@code ip} */
    static long bytesSent(String ip) {
        long total = 0;
        try {
            Process p = new ProcessBuilder("ss", "-Htin", "state", "established", "src", ip).redirectErrorStream(true)
                .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("bytes_sent:(\\d+)").matcher(out);
            while (m.find()) {
                total += Long.parseLong(m.group(1));
            }
            return total;
        } catch (IOException e) {
            throw new IllegalStateException("ss failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return total;
        }
    }

    /** {@code [::ffff:127.0.0.2]:7800} (a dual-stack socket) is {@code 127.0.0.2:7800}. */
    private static String unmap(String endpoint) {
        return endpoint.startsWith("[::ffff:") ? endpoint.substring(8).replace("]", "") : endpoint;
    }

    static int count(Collection<NodeProcess> nodes) {
        return between(nodes).size();
    }

    static boolean fullMeshWithoutDuplicates(Collection<NodeProcess> nodes) {
        List<String> pairs = between(nodes);
        int n = nodes.size();
        return pairs.size() == n * (n - 1) / 2 && new HashSet<>(pairs).size() == pairs.size();
    }

    private static List<String> ss() {
        try {
            Process p = new ProcessBuilder("ss", "-Htn", "state", "established").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            List<String> lines = new ArrayList<>();
            for (String l : out.split("\n")) {
                if (!l.isBlank()) {
                    // ss -H with a state filter omits the state column: Recv-Q Send-Q Local Peer
                    lines.add(l.trim());
                }
            }
            return lines;
        } catch (IOException e) {
            throw new IllegalStateException("ss failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }
}
