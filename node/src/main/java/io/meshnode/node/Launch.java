package io.meshnode.node;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;

/**
 * What the bnd launcher's {@code EmbeddedLauncher} does, without its cost at every start: the framework and the
 * launcher jars ({@code Embedded-Runpath}) are unpacked once per build into {@code data/launch/<build>/} instead of
 * into {@code java.io.tmpdir} at every start, and the framework's cache in {@code data/framework/} is kept while the
 * build stays the same. A build is named by the digest of the jar's manifest, which holds the digest of every entry
 * (bnd {@code -digests}); the launcher compares those of the embedded bundles with the ones it installed and
 * installs only what changed. A start of another build begins with an empty cache.
 */
final class Launch {
    static final String RUNPATH = "Embedded-Runpath";
    /** The launcher's embedded activators (ShippedBundles) are in this folder of the jar, out of Main's sight. */
    static final String ACTIVATORS = "launch/";
    /** In the framework's cache: the build the cache was filled by. */
    static final String STAMP = "meshnode.build";

    private final Path jar;
    private final Manifest manifest;
    private final List<Path> runpath;
    private final Path cache;

    private Launch(Path jar, Manifest manifest, List<Path> runpath, Path cache) {
        this.jar = jar;
        this.manifest = manifest;
        this.runpath = runpath;
        this.cache = cache;
    }

    /**
     * @return {@code true} when this class runs from meshnode.jar; {@code false} in the runtime image, where it is a
     *         module of the image ({@code jrt:/node}) and the image's own launcher takes over
     */
    static boolean fromJar() {
        java.security.CodeSource source = Launch.class.getProtectionDomain().getCodeSource();
        if (source == null || source.getLocation() == null || !"file".equals(source.getLocation().getProtocol())) {
            return false;
        }
        try {
            return Files.isRegularFile(Path.of(source.getLocation().toURI()));
        } catch (URISyntaxException | IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * Hands over to the runtime image's launcher, which the image provides under the name of bnd's embedded launcher
     * (module io.meshnode.image): it starts the framework through Atomos from the image's modules.
     */
    static void runImage() throws Throwable {
        try {
            Class.forName("aQute.launcher.pre.EmbeddedLauncher").getMethod("main", String[].class)
                .invoke(null, (Object) new String[0]);
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** Unpacks the runpath when this build's is not there yet, and empties the cache when another build filled it. */
    static Launch prepare(Path data) throws IOException {
        Path jar;
        try {
            jar = Path.of(Launch.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IOException("cannot locate meshnode.jar: " + e.getMessage(), e);
        }
        try (JarFile file = new JarFile(jar.toFile(), false)) {
            ZipEntry mf = file.getEntry(JarFile.MANIFEST_NAME);
            byte[] bytes;
            try (InputStream in = file.getInputStream(mf)) {
                bytes = in.readAllBytes();
            }
            Manifest manifest = new Manifest(new java.io.ByteArrayInputStream(bytes));
            String build = HexFormat.of().formatHex(sha256(bytes), 0, 8);

            Path launch = Files.createDirectories(data.resolve("launch"));
            Path dir = launch.resolve(build);
            List<Path> runpath = new ArrayList<>();
            for (String entry : manifest.getMainAttributes().getValue(RUNPATH).split("\\s*,\\s*")) {
                runpath.add(dir.resolve(Path.of(entry).getFileName()));
            }
            if (!Files.isDirectory(dir)) {
                deleteAll(launch, true);
                Path part = Files.createTempDirectory(launch, build + ".part");
                for (String entry : manifest.getMainAttributes().getValue(RUNPATH).split("\\s*,\\s*")) {
                    try (InputStream in = file.getInputStream(file.getEntry(entry))) {
                        Files.copy(in, part.resolve(Path.of(entry).getFileName()));
                    }
                }
                Files.move(part, dir, StandardCopyOption.ATOMIC_MOVE);
            }

            Path cache = data.resolve("framework");
            Path stamp = cache.resolve(STAMP);
            if (!Files.isRegularFile(stamp) || !Files.readString(stamp).trim().equals(build)) {
                deleteAll(cache, false);
                Files.createDirectories(cache);
                Files.writeString(stamp, build + "\n");
            }
            return new Launch(jar, manifest, runpath, cache);
        }
    }

    Path cache() {
        return cache;
    }

    /** Runs the bnd launcher, which exits the JVM when the framework has stopped. */
    void run() throws Throwable {
        List<URL> urls = new ArrayList<>();
        for (Path p : runpath) {
            urls.add(p.toUri().toURL());
        }
        urls.add(new URL("jar:" + jar.toUri() + "!/" + ACTIVATORS));
        // The launcher reads the digests of the embedded bundles from the manifest EmbeddedLauncher would have read.
        Class.forName("aQute.launcher.pre.EmbeddedLauncher").getField("MANIFEST").set(null, manifest);
        ClassLoader loader = new URLClassLoader(urls.toArray(new URL[0]), Launch.class.getClassLoader());
        try {
            loader.loadClass("aQute.launcher.Launcher")
                .getMethod("main", String[].class)
                .invoke(null, (Object) new String[0]);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Deletes what is in {@code dir} and, unless {@code keepDir}, {@code dir} itself; nothing when it is absent. */
    static void deleteAll(Path dir, boolean keepDir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) all.sorted(java.util.Comparator.reverseOrder())::iterator) {
                if (!keepDir || !p.equals(dir)) {
                    Files.delete(p);
                }
            }
        }
    }
}
