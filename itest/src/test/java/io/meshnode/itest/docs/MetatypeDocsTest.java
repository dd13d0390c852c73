package io.meshnode.itest.docs;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * docs/configuration.md against the metatype of the built bundles: every attribute of every {@code meshnode.*}
 * configuration is documented, with its default, under the heading of its file {@code etc/<pid>.cfg}, and every key
 * documented there exists. Reads {@code OSGI-INF/metatype/*.xml} from the jars the reactor built
 * ({@code <root>/<module>/target/<module>-<version>.jar}, examples included), so run it after their {@code package}
 * (as {@code mvn -B verify} and {@code -pl itest -am} do).
 */
class MetatypeDocsTest {
    /** Documented keys that are no metatype attribute: the mesh component's reference targets, read by SCR. */
    private static final Map<String, Set<String>> NOT_IN_METATYPE = Map.of("meshnode.mesh",
        Set.of("topology.target", "health.target", "retry.target", "transport.target", "membership.target"));
    /** The configurations of the distribution: if one is not found, the jars were not built (or moved). */
    private static final Set<String> REQUIRED = Set.of("meshnode.mesh", "meshnode.heartbeat", "meshnode.retry",
        "meshnode.transport", "meshnode.phi", "meshnode.ssh", "meshnode.log", "meshnode.metrics");
    private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+`etc/([^`]+)\\.cfg`\\s*$");
    private static final Pattern ROW = Pattern.compile("^\\|\\s*`([^`]+)`\\s*\\|([^|]*)\\|");

    private final Path root = Path.of(System.getProperty("meshnode.root", "..")).toAbsolutePath().normalize();
    private final String version = System.getProperty("meshnode.version", "0.1.0-SNAPSHOT");

    @Test
    void configurationReferenceMatchesTheMetatype() throws Exception {
        Map<String, Map<String, String>> metatype = metatype();
        assertTrue(metatype.keySet().containsAll(REQUIRED), "no metatype found for "
            + REQUIRED.stream().filter(p -> !metatype.containsKey(p)).sorted().toList() + " in " + root
            + "/*/target/*-" + version + ".jar: build the bundles first (mvn -B verify, or -pl itest -am)");
        Path doc = root.resolve("docs/configuration.md");
        Map<String, Map<String, String>> documented = documented(doc);

        List<String> problems = new ArrayList<>();
        metatype.forEach((pid, attributes) -> {
            Map<String, String> rows = documented.get(pid);
            if (rows == null) {
                problems.add("etc/" + pid + ".cfg has no section (### `etc/" + pid + ".cfg`) with a key table");
                return;
            }
            attributes.forEach((key, value) -> {
                String cell = rows.get(key);
                if (cell == null) {
                    problems.add("etc/" + pid + ".cfg: key '" + key + "' (default '" + value + "') is not documented");
                } else if (!documentsDefault(cell, value)) {
                    problems.add("etc/" + pid + ".cfg: key '" + key + "' is documented with default '" + cell.strip()
                        + "' but its metatype default is " + (value.isEmpty() ? "empty" : "'" + value + "'"));
                }
            });
        });
        documented.forEach((pid, rows) -> {
            Map<String, String> attributes = metatype.get(pid);
            if (attributes == null) {
                if (pid.startsWith("meshnode.")) {
                    problems.add("etc/" + pid + ".cfg is documented but no bundle has a metatype for pid " + pid);
                }
                return;
            }
            for (String key : rows.keySet()) {
                if (!attributes.containsKey(key) && !NOT_IN_METATYPE.getOrDefault(pid, Set.of()).contains(key)) {
                    problems.add("etc/" + pid + ".cfg: documented key '" + key + "' does not exist in the metatype"
                        + " (attributes: " + attributes.keySet() + ")");
                }
            }
        });
        if (!problems.isEmpty()) {
            fail(doc + " does not match the metatype of the bundles:\n  " + String.join("\n  ", problems));
        }
    }

    /** An empty default is documented in parentheses ("(empty)", "(not set)", "(= `max`)"); any other verbatim. */
    private static boolean documentsDefault(String cell, String value) {
        String text = cell.strip();
        return value.isEmpty() ? text.startsWith("(") : text.equals("`" + value + "`");
    }

    /** pid → (key → default cell) of the key tables under each {@code etc/<pid>.cfg} heading. */
    static Map<String, Map<String, String>> documented(Path doc) throws IOException {
        Map<String, Map<String, String>> sections = new TreeMap<>();
        String pid = null;
        for (String line : Files.readAllLines(doc)) {
            Matcher heading = HEADING.matcher(line);
            if (heading.matches()) {
                pid = heading.group(1);
                sections.put(pid, new LinkedHashMap<>());
                continue;
            }
            if (line.startsWith("#")) {
                pid = null; // another heading ends the file's section
                continue;
            }
            Matcher row = ROW.matcher(line);
            if (pid != null && row.find()) {
                sections.get(pid).put(row.group(1), row.group(2));
            }
        }
        return sections;
    }

    /** pid → (attribute id → default, "" when none) of every meshnode.* designate in the built jars. */
    private Map<String, Map<String, String>> metatype() throws Exception {
        Map<String, Map<String, String>> pids = new TreeMap<>();
        for (Path jar : jars()) {
            try (ZipFile zip = new ZipFile(jar.toFile())) {
                Enumeration<? extends ZipEntry> entries = zip.entries();
                while (entries.hasMoreElements()) {
                    ZipEntry entry = entries.nextElement();
                    if (entry.getName().startsWith("OSGI-INF/metatype/") && entry.getName().endsWith(".xml")) {
                        try (InputStream in = zip.getInputStream(entry)) {
                            read(in, pids);
                        }
                    }
                }
            }
        }
        return pids;
    }

    private List<Path> jars() throws IOException {
        List<Path> modules = new ArrayList<>();
        for (Path parent : List.of(root, root.resolve("examples"))) {
            try (Stream<Path> dirs = Files.list(parent)) {
                dirs.filter(d -> Files.isDirectory(d.resolve("target"))).forEach(modules::add);
            }
        }
        List<Path> jars = new ArrayList<>();
        for (Path module : modules) {
            Path jar = module.resolve("target").resolve(module.getFileName() + "-" + version + ".jar");
            Path example = module.resolve("target").resolve("examples." + module.getFileName() + "-" + version + ".jar");
            if (Files.isRegularFile(jar)) {
                jars.add(jar);
            } else if (Files.isRegularFile(example)) {
                jars.add(example);
            }
        }
        return jars;
    }

    private static void read(InputStream in, Map<String, Map<String, String>> pids) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        Document xml = factory.newDocumentBuilder().parse(in);
        Map<String, Map<String, String>> ocds = new LinkedHashMap<>();
        NodeList ocdNodes = xml.getElementsByTagName("OCD");
        for (int i = 0; i < ocdNodes.getLength(); i++) {
            Element ocd = (Element) ocdNodes.item(i);
            Map<String, String> attributes = new LinkedHashMap<>();
            NodeList ads = ocd.getElementsByTagName("AD");
            for (int j = 0; j < ads.getLength(); j++) {
                Element ad = (Element) ads.item(j);
                attributes.put(ad.getAttribute("id"), ad.getAttribute("default"));
            }
            ocds.put(ocd.getAttribute("id"), attributes);
        }
        NodeList designates = xml.getElementsByTagName("Designate");
        for (int i = 0; i < designates.getLength(); i++) {
            Element designate = (Element) designates.item(i);
            String pid = designate.getAttribute("pid");
            if (pid.isEmpty()) {
                pid = designate.getAttribute("factoryPid");
            }
            Element object = (Element) designate.getElementsByTagName("Object").item(0);
            if (pid.startsWith("meshnode.") && object != null && ocds.containsKey(object.getAttribute("ocdref"))) {
                pids.put(pid, ocds.get(object.getAttribute("ocdref")));
            }
        }
    }
}
