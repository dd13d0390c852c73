import java.io.IOException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * What the image's module graph must add to the OSGi one, for make-image.sh ({@code java ModuleReads.java PLATFORM
 * BUNDLES}). In the image the system bundle exports no JDK package: Atomos connects each JDK module as a bundle that
 * exports that module's packages, and wires a connected bundle's import only to a bundle whose module its module
 * reads. So:
 * <ul>
 * <li>{@code jdk M}: a JDK module that exports a package some bundle imports (optional imports too: the jar's system
 * bundle exports them all), to be put in the image;</li>
 * <li>{@code reads M=A,B}: a platform module whose bundle imports packages of modules A and B that its module-info does
 * not require (Netty's handler imports javax.naming.ldap, JLine sun.misc, SLF4J its binding's org.slf4j.impl): the
 * image adds those read edges ({@code --add-reads}).</li>
 * </ul>
 */
public class ModuleReads {
    public static void main(String[] args) throws IOException {
        Map<String, String> provider = new TreeMap<>(); // package -> module
        for (ModuleReference r : ModuleFinder.ofSystem().findAll()) {
            for (ModuleDescriptor.Exports e : r.descriptor().exports()) {
                if (!e.isQualified()) {
                    provider.put(e.source(), r.descriptor().name());
                }
            }
        }
        Map<Path, ModuleDescriptor> platform = new TreeMap<>();
        for (ModuleReference r : ModuleFinder.of(Path.of(args[0])).findAll()) {
            platform.put(Path.of(r.location().orElseThrow()), r.descriptor());
            for (String p : r.descriptor().packages()) {
                provider.putIfAbsent(p, r.descriptor().name());
            }
        }
        Set<String> jdk = new TreeSet<>();
        Map<String, Set<String>> reads = new TreeMap<>();
        for (String dir : args) {
            try (DirectoryStream<Path> jars = Files.newDirectoryStream(Path.of(dir), "*.jar")) {
                for (Path jar : jars) {
                    ModuleDescriptor module = platform.get(jar.toAbsolutePath());
                    for (String pkg : imports(jar)) {
                        String from = provider.get(pkg);
                        if (from == null) {
                            continue;
                        }
                        if (ModuleFinder.ofSystem().find(from).isPresent()) {
                            jdk.add(from);
                        }
                        if (module != null && !from.equals(module.name())
                                && module.requires().stream().noneMatch(q -> q.name().equals(from))) {
                            reads.computeIfAbsent(module.name(), k -> new TreeSet<>()).add(from);
                        }
                    }
                }
            }
        }
        jdk.forEach(m -> System.out.println("jdk " + m));
        reads.forEach((m, to) -> System.out.println("reads " + m + "=" + String.join(",", to)));
    }

    /** The packages in a jar's Import-Package header. */
    private static Set<String> imports(Path jar) throws IOException {
        Set<String> packages = new TreeSet<>();
        try (JarFile file = new JarFile(jar.toFile())) {
            Manifest m = file.getManifest();
            String header = m == null ? null : m.getMainAttributes().getValue("Import-Package");
            if (header != null) {
                // clauses are separated by commas outside quotes; the package name comes before the first ';'
                for (String clause : header.split(",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)")) {
                    packages.add(clause.split(";", 2)[0].trim());
                }
            }
        }
        return packages;
    }
}
