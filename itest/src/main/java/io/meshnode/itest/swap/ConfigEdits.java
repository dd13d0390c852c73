package io.meshnode.itest.swap;

import java.io.IOException;
import java.util.Dictionary;
import java.util.Hashtable;

import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/** Edits of a configuration as an operator makes them: some keys set or removed, the others kept. */
final class ConfigEdits {
    private ConfigEdits() {}

    /** Sets (or with a {@code null} value removes) keys of the configuration {@code pid}, keeping the others. */
    static void configure(ConfigurationAdmin cm, String pid, String... kv) throws IOException {
        Configuration c = cm.getConfiguration(pid, "?");
        Dictionary<String, Object> p = c.getProperties() == null ? new Hashtable<>() : c.getProperties();
        for (int i = 0; i < kv.length; i += 2) {
            if (kv[i + 1] == null) {
                p.remove(kv[i]);
            } else {
                p.put(kv[i], kv[i + 1]);
            }
        }
        c.update(p);
    }
}
