package io.meshnode.itest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.jar.JarInputStream;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.test.common.annotation.InjectBundleContext;

/**
 * node/target/meshnode.jar ships the bundles tested here, plus the console. bnd's export does not
 * fail when a -runbundles entry cannot be found; it leaves the bundle out.
 */
class DistributionTest {
    // In the distribution only: the interactive console and the remote one (cnf/framework.bnd); and the Log
    // Service, which the Equinox test run takes from the framework instead.
    private static final Set<String> CONSOLE = Set.of("org.apache.felix.gogo.jline", "org.jline", "org.fusesource.jansi", "shell.ssh",
        "org.apache.sshd.osgi", "bcprov", "slf4j.api", "slf4j.jdk14", "org.apache.felix.log");

    @Test
    void exportedJarHasTheTestedBundlesAndTheConsole(@InjectBundleContext BundleContext context) throws IOException {
        Set<String> expected = new TreeSet<>(CONSOLE);
        for (Bundle bundle : context.getBundles()) {
            if (bundle.getBundleId() != 0 && !testOnly(bundle.getSymbolicName())) {
                expected.add(bundle.getSymbolicName());
            }
        }
        assertEquals(expected, exported(Path.of(context.getProperty("meshnode.itest.jar"))));
    }

    private static boolean testOnly(String bsn) {
        return bsn.equals("itest") || bsn.startsWith("junit-") || bsn.startsWith("org.osgi.test.")
            || bsn.equals("org.opentest4j") || bsn.equals("org.apiguardian.api") || bsn.startsWith("biz.aQute.tester");
    }

    private static Set<String> exported(Path jar) throws IOException {
        Set<String> bsns = new TreeSet<>();
        try (JarFile file = new JarFile(jar.toFile())) {
            Properties launch = new Properties();
            try (InputStream in = file.getInputStream(file.getEntry("launcher.properties"))) {
                launch.load(in);
            }
            for (String path : launch.getProperty("launch.bundles").split(",")) {
                try (JarInputStream bundle = new JarInputStream(file.getInputStream(file.getEntry(path)))) {
                    String bsn = bundle.getManifest().getMainAttributes().getValue("Bundle-SymbolicName");
                    bsns.add(bsn.split(";")[0].trim());
                }
            }
        }
        return bsns;
    }
}
