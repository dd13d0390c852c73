package io.meshnode.itest.mesh;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** The example bundles of this build that the multi-process suites deploy into nodes (GossipIT, FaultIT, ChaosIT). */
public final class Examples {
    private Examples() {}

    /** examples/gossip's jar, beside the node jar of the same build. */
    public static Path gossipJar() throws IOException {
        Path target = NodeProcess.jar().getParent().resolveSibling("../examples/gossip/target").normalize();
        try (Stream<Path> jars = Files.list(target)) {
            return jars.filter(p -> p.getFileName().toString().matches("examples\\.gossip-.*\\.jar")
                && !p.toString().endsWith("-sources.jar")).findFirst()
                .orElseThrow(() -> new IllegalStateException("no examples.gossip jar in " + target + " (build it first)"));
        }
    }
}
