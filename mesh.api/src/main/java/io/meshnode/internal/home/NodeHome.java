package io.meshnode.internal.home;

import java.io.File;
import java.nio.file.Path;

import org.osgi.framework.BundleContext;

/** Where the node keeps its files: {@code meshnode.home} ({@code etc/}, {@code data/}), or the bundle's data area in a bare framework. */
public final class NodeHome {
    public static final String PROPERTY = "meshnode.home";

    private NodeHome() {}

    /** In Apache Karaf without {@code meshnode.home}: Karaf's own base folder, so etc/meshnode.*.cfg sit in Karaf's etc/. */
    public static final String KARAF_BASE = "karaf.base";

    public static Path home(BundleContext context) {
        String home = context.getProperty(PROPERTY);
        if (home == null || home.isBlank()) {
            home = context.getProperty(KARAF_BASE);
        }
        return home == null || home.isBlank() ? null : Path.of(home).toAbsolutePath();
    }

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
