package io.meshnode.itest.swap;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.Enumeration;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.Version;

/** "A different build" of an installed bundle: its own entries, with a higher Bundle-Version. */
final class Rebuilt {
    private Rebuilt() {}

    /** @return the version the rebuilt jar carries: the micro part raised by one, qualifier {@code tag} */
    static Version next(Bundle b, String tag) {
        Version v = b.getVersion();
        return new Version(v.getMajor(), v.getMinor(), v.getMicro() + 1, tag);
    }

    static InputStream withVersion(Bundle b, Version version) throws IOException {
        Manifest manifest;
        try (InputStream in = b.getEntry("META-INF/MANIFEST.MF").openStream()) {
            manifest = new Manifest(in);
        }
        manifest.getMainAttributes().put(new Attributes.Name(Constants.BUNDLE_VERSION), version.toString());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(bytes, manifest)) {
            Enumeration<URL> entries = b.findEntries("/", "*", true);
            while (entries != null && entries.hasMoreElements()) {
                URL url = entries.nextElement();
                String name = url.getPath().startsWith("/") ? url.getPath().substring(1) : url.getPath();
                if (name.isEmpty() || name.equals("META-INF/") || name.equals("META-INF/MANIFEST.MF")) {
                    continue;
                }
                jar.putNextEntry(new JarEntry(name));
                if (!name.endsWith("/")) {
                    try (InputStream in = url.openStream()) {
                        in.transferTo(jar);
                    }
                }
                jar.closeEntry();
            }
        }
        return new ByteArrayInputStream(bytes.toByteArray());
    }
}
