package io.meshnode.examples.membership.statics;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import io.meshnode.api.config.ConfigValues;
import io.meshnode.api.membership.Membership;
import io.meshnode.api.topology.NodeRef;
import io.meshnode.api.topology.NodeRole;

/**
 * Example integrator bundle: the members are the ones listed in {@code etc/meshnode.example.members.cfg}. Editing the
 * file changes them live: FileInstall updates the configuration, DS calls {@link #configure} and then republishes
 * the configuration as the service's properties, which is the change the mesh follows (see {@link Membership}).
 * Ranking 100 puts it above the mesh's default membership while it is installed.
 */
@Component(name = "meshnode.example.membership", configurationPid = "meshnode.example.members",
    configurationPolicy = ConfigurationPolicy.OPTIONAL, property = "service.ranking:Integer=100")
@Designate(ocd = StaticMembership.Config.class)
public class StaticMembership implements Membership {

    @ObjectClassDefinition(name = "Example: static membership")
    public @interface Config {
        /** Members, comma-separated: {@code host:port} or {@code id@host:port}, each optionally {@code /fullnode}. */
        String members() default "";
    }

    private static final Pattern ID = Pattern.compile("[0-9a-f]{40}");

    private volatile Set<NodeRef> members = Set.of();

    @Activate
    @Modified
    void configure(Config config) {
        // A bad entry throws: SCR logs it and the last good members stay (the first time: none).
        members = parse(config.members());
    }

    @Override
    public Set<NodeRef> members() {
        return members;
    }

    static Set<NodeRef> parse(String text) {
        Set<NodeRef> parsed = new LinkedHashSet<>();
        for (String entry : text.split(",")) {
            String e = entry.trim();
            if (e.isEmpty()) {
                continue;
            }
            NodeRole role = null;
            int slash = e.lastIndexOf('/');
            if (slash >= 0) {
                role = NodeRole.parse(e.substring(slash + 1));
                e = e.substring(0, slash);
            }
            String id = null;
            int at = e.indexOf('@');
            if (at >= 0) {
                id = e.substring(0, at).toLowerCase(Locale.ROOT);
                if (!ID.matcher(id).matches()) {
                    throw new IllegalArgumentException("members: '" + entry.trim() + "': a node id is 40 hex digits");
                }
                e = e.substring(at + 1);
            }
            try {
                parsed.add(new NodeRef(id, ConfigValues.parseEndpoint(e), role));
            } catch (IllegalArgumentException bad) {
                throw new IllegalArgumentException("members: '" + entry.trim() + "': " + bad.getMessage());
            }
        }
        return Collections.unmodifiableSet(parsed);
    }
}
