package io.meshnode.itest.swap;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.Version;

/**
 * "A different build" of a bundle: the same entries, with a higher Bundle-Version in the manifest. Public for the
 * multi-process suites (ChaosIT drops rebuilt mesh.core and transport.netty jars into node processes' deploy/).
 */
public final class Rebuilt {
    private Rebuilt() {}

    private interface Opener {
        InputStream open() throws IOException;
    }

    private record Entry(String name, Opener content) {}

    /** @return the micro part raised by one, qualifier {@code tag} */
    public static Version next(Version v, String tag) {
        return new Version(v.getMajor(), v.getMinor(), v.getMicro() + 1, tag);
    }

    /** An installed bundle, rebuilt from its entries. */
    static InputStream withVersion(Bundle b, Version version) throws IOException {
        List<Entry> entries = new ArrayList<>();
        Enumeration<URL> urls = b.findEntries("/", "*", true);
        for (URL url : urls == null ? List.<URL>of() : Collections.list(urls)) {
            String path = url.getPath();
            entries.add(new Entry(path.startsWith("/") ? path.substring(1) : path, url::openStream));
        }
        try (InputStream in = b.getEntry(JarFile.MANIFEST_NAME).openStream()) {
            return write(new Manifest(in), version, entries);
        }
    }

    /** A jar file, rebuilt. */
    public static InputStream withVersion(Path jar, Version version) throws IOException {
        try (JarFile file = new JarFile(jar.toFile())) {
            List<Entry> entries = new ArrayList<>();
            for (JarEntry e : Collections.list(file.entries())) {
                byte[] bytes = file.getInputStream(e).readAllBytes();
                entries.add(new Entry(e.getName(), () -> new ByteArrayInputStream(bytes)));
            }
            return write(file.getManifest(), version, entries);
        }
    }

    public static Version version(Path jar) throws IOException {
        try (JarFile file = new JarFile(jar.toFile())) {
            return Version.parseVersion(file.getManifest().getMainAttributes().getValue(Constants.BUNDLE_VERSION));
        }
    }

    private static InputStream write(Manifest manifest, Version version, List<Entry> entries) throws IOException {
        manifest.getMainAttributes().put(new Attributes.Name(Constants.BUNDLE_VERSION), version.toString());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(bytes, manifest)) {
            for (Entry e : entries) {
                if (e.name().isEmpty() || e.name().equals("META-INF/") || e.name().equals(JarFile.MANIFEST_NAME)) {
                    continue;
                }
                jar.putNextEntry(new JarEntry(e.name()));
                if (!e.name().endsWith("/")) {
                    try (InputStream in = e.content().open()) {
                        in.transferTo(jar);
                    }
                }
                jar.closeEntry();
            }
        }
        return new ByteArrayInputStream(bytes.toByteArray());
    }
}
