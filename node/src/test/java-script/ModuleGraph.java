import java.lang.module.Configuration;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The distribution's jars as a JPMS module graph, run by dist-test.sh as a single-file program
 * ({@code java ModuleGraph.java DIR}): resolves every module in DIR (like {@code --add-modules ALL-MODULE-PATH}),
 * then defines the modules in a layer with one class loader per module (as Apache Felix Atomos can) and in a layer
 * with one class loader for all (as the boot layer of {@code java --module-path} and a jlink image do).
 * Prints one line per step and, for the one-loader layer, the packages that more than one module contains.
 * Exit status 0 when resolution and the one-loader-per-module layer succeed, 1 otherwise.
 */
public class ModuleGraph {
    public static void main(String[] args) {
        ModuleFinder finder = ModuleFinder.of(Path.of(args[0]));
        Set<String> all = finder.findAll().stream().map(r -> r.descriptor().name()).collect(Collectors.toCollection(TreeSet::new));
        Configuration cf;
        try {
            cf = ModuleLayer.boot().configuration().resolve(finder, ModuleFinder.of(), all);
        } catch (RuntimeException e) {
            System.out.println("resolve: FAILED " + e.getMessage());
            System.exit(1);
            return;
        }
        System.out.println("resolve: ok, " + cf.modules().size() + " modules");
        int status = 0;
        try {
            ModuleLayer.defineModulesWithManyLoaders(cf, java.util.List.of(ModuleLayer.boot()), ClassLoader.getSystemClassLoader());
            System.out.println("layer, one loader per module: ok");
        } catch (RuntimeException e) {
            System.out.println("layer, one loader per module: FAILED " + e.getMessage());
            status = 1;
        }
        Map<String, Set<String>> owners = new TreeMap<>();
        for (ModuleReference r : finder.findAll()) {
            for (String p : r.descriptor().packages()) {
                owners.computeIfAbsent(p, k -> new TreeSet<>()).add(r.descriptor().name());
            }
        }
        owners.values().removeIf(s -> s.size() < 2);
        try {
            ModuleLayer.defineModulesWithOneLoader(cf, java.util.List.of(ModuleLayer.boot()), ClassLoader.getSystemClassLoader());
            System.out.println("layer, one loader: ok");
        } catch (RuntimeException e) {
            System.out.println("layer, one loader: FAILED, packages in more than one module: " + owners);
        }
        System.exit(status);
    }
}
