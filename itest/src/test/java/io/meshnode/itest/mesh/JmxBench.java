package io.meshnode.itest.mesh;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cost of reading the peer table over remote JMX (RMI on loopback) for a node with 1000 connected peers.
 * Not part of the test suite (the "benchmark" tag is excluded); run with:
 * {@code mvn -B -o verify -pl itest -am -Dit.test=JmxBench -Dgroups=benchmark -Dfailsafe.failIfNoSpecifiedTests=false -Dbnd.testing.skip=true -Dexec.skip=true -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false}.
 * Prints a "BENCH" line.
 */
@Tag("benchmark")
class JmxBench {
    private static final int READS = 50;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path root;

    @Test
    void readingThePeerTableOfAThousandPeers() throws Exception {
        int port = ThreadLocalRandom.current().nextInt(20_000, 40_000);
        int jmxPort = port + 1;
        int count = BenchScale.pick(1000, 50);
        try (Swarm swarm = Swarm.plain(count, port).listen();
            NodeProcess n = new NodeProcess(root, "hub", "127.0.0.2:" + port)) {
            n.set("mesh", "peers", String.join(",", swarm.endpoints)).set("transport", "tls", "off"); // made-up ids
            n.set("heartbeat", "interval", "1s").set("heartbeat", "timeout", "500ms");
            n.set("retry", "initial", "1s").set("retry", "max", "30s").set("transport", "connect.timeout", "1s");
            n.jvm.addAll(Arrays.asList("-Dcom.sun.management.jmxremote.port=" + jmxPort,
                "-Dcom.sun.management.jmxremote.rmi.port=" + jmxPort, "-Dcom.sun.management.jmxremote.host=127.0.0.2",
                "-Djava.rmi.server.hostname=127.0.0.2", "-Dcom.sun.management.jmxremote.authenticate=false",
                "-Dcom.sun.management.jmxremote.ssl=false"));
            n.start().awaitReady(Duration.ofSeconds(30));
            JMXServiceURL url = new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.2:" + jmxPort + "/jmxrmi");
            try (JMXConnector jmx = JMXConnectorFactory.connect(url)) {
                MBeanServerConnection server = jmx.getMBeanServerConnection();
                ObjectName node = new ObjectName("io.meshnode:type=Node");
                ObjectName peers = new ObjectName("io.meshnode:type=Peers");
                Waits.until(Duration.ofSeconds(90), () -> connected(server, node) >= count,
                    () -> connected(server, node) + " connected");
                long[] ms = new long[READS];
                int rows = 0;
                for (int warm = 0; warm < 20; warm++) {
                    rows = ((CompositeData[]) server.getAttribute(peers, "Peers")).length;
                }
                for (int i = 0; i < READS; i++) {
                    long t0 = System.nanoTime();
                    rows = ((CompositeData[]) server.getAttribute(peers, "Peers")).length;
                    ms[i] = System.nanoTime() - t0;
                }
                Arrays.sort(ms);
                System.out.printf(BenchScale.bench() + "JMX read of Peers (%d rows, remote RMI on loopback, %d reads after 20 warm-up): "
                    + "median %.1f ms, p90 %.1f ms, min %.1f ms, max %.1f ms%n", rows, READS, ms[READS / 2] / 1e6,
                    ms[READS * 9 / 10] / 1e6, ms[0] / 1e6, ms[READS - 1] / 1e6);
            }
        }
    }

    private static int connected(MBeanServerConnection server, ObjectName node) {
        try {
            return (Integer) server.getAttribute(node, "ConnectedCount");
        } catch (Exception e) {
            return -1;
        }
    }
}
