import java.lang.module.Configuration;
import java.lang.module.FindException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.lang.module.ResolutionException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The distribution's jars as a JPMS module graph, run by dist-test.sh as a single-file program
 * ({@code java ModuleGraph.java DIR}). Prints one line per finding and per step:
 * <ul>
 * <li>{@code missing: M required by A, B}: a non-static {@code requires} that no jar in DIR nor the JDK provides;</li>
 * <li>{@code split: P in A, B}: a package that more than one module contains (no module layer with one class loader
 * can hold both, nor the boot layer of {@code java --module-path} or a jlink image);</li>
 * <li>{@code resolve: ok, N modules}: every module in DIR resolved as a root (like {@code --add-modules ALL-MODULE-PATH});</li>
 * <li>{@code layer, one loader per module: ok} (as Apache Felix Atomos can define the modules) and
 * {@code layer, one loader: ok} (as the boot layer and a jlink image do).</li>
 * </ul>
 * Exit status 0 when nothing is missing or split and all three steps succeed, 1 otherwise.
 */
public class ModuleGraph {
    public static void main(String[] args) {
        ModuleFinder finder = ModuleFinder.of(Path.of(args[0]));
        Set<ModuleReference> found;
        try {
            found = finder.findAll();
        } catch (FindException e) {
            System.out.println("find: FAILED " + e.getMessage());
            System.exit(1);
            return;
        }
        int status = 0;
        Set<String> all = found.stream().map(r -> r.descriptor().name()).collect(Collectors.toCollection(TreeSet::new));
        Map<String, Set<String>> missing = new TreeMap<>();
        Map<String, Set<String>> owners = new TreeMap<>();
        for (ModuleReference r : found) {
            ModuleDescriptor d = r.descriptor();
            for (ModuleDescriptor.Requires q : d.requires()) {
                if (!q.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC) && !all.contains(q.name())
                        && ModuleLayer.boot().findModule(q.name()).isEmpty() && ModuleFinder.ofSystem().find(q.name()).isEmpty()) {
                    missing.computeIfAbsent(q.name(), k -> new TreeSet<>()).add(d.name());
                }
            }
            for (String p : d.packages()) {
                owners.computeIfAbsent(p, k -> new TreeSet<>()).add(d.name());
            }
        }
        owners.values().removeIf(s -> s.size() < 2);
        missing.forEach((m, by) -> System.out.println("missing: " + m + " required by " + String.join(", ", by)));
        owners.forEach((p, in) -> System.out.println("split: " + p + " in " + String.join(", ", in)));
        if (!missing.isEmpty() || !owners.isEmpty()) {
            status = 1;
        }
        Configuration cf;
        try {
            cf = ModuleLayer.boot().configuration().resolve(finder, ModuleFinder.ofSystem(), all);
        } catch (FindException | ResolutionException e) {
            System.out.println("resolve: FAILED " + e.getMessage());
            System.exit(1);
            return;
        }
        System.out.println("resolve: ok, " + cf.modules().size() + " modules");
        try {
            ModuleLayer.defineModulesWithManyLoaders(cf, List.of(ModuleLayer.boot()), ClassLoader.getSystemClassLoader());
            System.out.println("layer, one loader per module: ok");
        } catch (RuntimeException e) {
            System.out.println("layer, one loader per module: FAILED " + e.getMessage());
            status = 1;
        }
        try {
            ModuleLayer.defineModulesWithOneLoader(cf, List.of(ModuleLayer.boot()), ClassLoader.getSystemClassLoader());
            System.out.println("layer, one loader: ok");
        } catch (RuntimeException e) {
            System.out.println("layer, one loader: FAILED " + e.getMessage());
            status = 1;
        }
        System.exit(status);
    }
}
