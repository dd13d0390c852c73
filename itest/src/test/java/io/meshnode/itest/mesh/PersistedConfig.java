package io.meshnode.itest.mesh;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** What Config Admin of a node process holds for one of its pids: a file written to etc/ has been taken once it shows here. */
public final class PersistedConfig {
    private PersistedConfig() {}

    /**
     * The persisted configuration under the node home's data/ (Config Admin's store: data/tmp/config for the
     * distribution, which rebuilds it from etc/ at every start; inside the framework's storage otherwise), or "" while
     * there is none.
     */
    public static String of(Path home, String pid) {
        try (Stream<Path> files = Files.walk(home.resolve("data"), 7)) {
            Path f = files.filter(p -> p.endsWith(Path.of("config", "meshnode", pid + ".config"))).findFirst().orElse(null);
            return f == null ? "" : Files.readString(f);
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
