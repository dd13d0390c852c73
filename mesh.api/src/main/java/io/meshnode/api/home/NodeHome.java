package io.meshnode.api.home;

import java.io.File;
import java.nio.file.Path;

import org.osgi.framework.BundleContext;

/**
 * Where the node keeps its files: {@code meshnode.home} ({@code etc/}, {@code data/}), or the bundle's data area in a
 * bare framework. Stateless: every answer is read from the framework properties of the given bundle context.
 */
public final class NodeHome {
    /** The framework property naming the node home. */
    public static final String PROPERTY = "meshnode.home";

    private NodeHome() {}

    /** In Apache Karaf without {@code meshnode.home}: Karaf's own base folder, so etc/meshnode.*.cfg sit in Karaf's etc/. */
    public static final String KARAF_BASE = "karaf.base";

    /**
     * The node home: {@code meshnode.home}, else {@code karaf.base}, as an absolute path.
     *
     * @param context the calling bundle's context, whose framework properties are read
     * @return the home folder, or {@code null} when neither property is set (a bare framework)
     */
    public static Path home(BundleContext context) {
        String home = context.getProperty(PROPERTY);
        if (home == null || home.isBlank()) {
            home = context.getProperty(KARAF_BASE);
        }
        return home == null || home.isBlank() ? null : Path.of(home).toAbsolutePath();
    }

    /**
     * The folder for the node's own data (node key, durable state): {@code data/} under the node home, or, without a
     * home, the calling bundle's data area {@code node}.
     *
     * @param context the calling bundle's context
     * @return the data folder (not created here)
     * @throws IllegalStateException when there is no home and the framework gives the bundle no data area
     */
    public static Path data(BundleContext context) {
        Path home = home(context);
        if (home != null) {
            return home.resolve("data");
        }
        File area = context.getDataFile("node");
        if (area == null) {
            throw new IllegalStateException("no meshnode.home and no bundle data area: cannot keep the node key");
        }
        return area.toPath();
    }
}
