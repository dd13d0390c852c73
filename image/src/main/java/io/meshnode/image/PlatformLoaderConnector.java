package io.meshnode.image;

import java.io.File;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleException;
import org.osgi.framework.connect.ConnectContent;
import org.osgi.framework.connect.ConnectModule;
import org.osgi.framework.connect.ModuleConnector;

/**
 * Atomos 1.0.0's module connector, with the class loader of the JDK modules that the boot loader defines (java.base,
 * java.naming, java.xml …) set to the platform class loader. Atomos 1.0.0 gives those modules no class loader
 * ({@code Module.getClassLoader()} is null for them), so the framework made a bundle class loader of its own that
 * defined {@code javax.*} classes a second time, from the module's class files: an ordinary bundle importing
 * {@code javax.net.ssl} got an {@code SSLContext} in an unnamed module that could not reach java.base's internals
 * ({@code IllegalAccessError}). Atomos fixed it after 1.0.0 (apache/felix-atomos, issue 60, unreleased) the same way:
 * the platform loader delegates to the boot loader.
 */
final class PlatformLoaderConnector implements ModuleConnector {
    private static final ClassLoader PLATFORM = ClassLoader.getPlatformClassLoader();
    private final ModuleConnector atomos;

    PlatformLoaderConnector(ModuleConnector atomos) {
        this.atomos = atomos;
    }

    @Override
    public void initialize(File storage, Map<String, String> configuration) {
        atomos.initialize(storage, configuration);
    }

    @Override
    public Optional<ConnectModule> connect(String location) throws BundleException {
        return atomos.connect(location).map(module -> () -> new Content(module.getContent()));
    }

    @Override
    public Optional<BundleActivator> newBundleActivator() {
        return atomos.newBundleActivator();
    }

    /** The module's content, with the platform class loader where Atomos gives none. */
    private static final class Content implements ConnectContent {
        private final ConnectContent content;

        Content(ConnectContent content) {
            this.content = content;
        }

        @Override
        public Optional<ClassLoader> getClassLoader() {
            return content.getClassLoader().or(() -> Optional.of(PLATFORM));
        }

        @Override
        public Optional<Map<String, String>> getHeaders() {
            return content.getHeaders();
        }

        @Override
        public Iterable<String> getEntries() throws IOException {
            return content.getEntries();
        }

        @Override
        public Optional<ConnectEntry> getEntry(String path) {
            return content.getEntry(path);
        }

        @Override
        public void open() throws IOException {
            content.open();
        }

        @Override
        public void close() throws IOException {
            content.close();
        }
    }
}
