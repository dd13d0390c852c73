package io.meshnode.shell.internal;

import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import io.meshnode.api.mesh.Bans;

/** {@code mesh:bans} and {@code mesh:unban}: the source addresses refused for misbehaving. */
// Immediate: Gogo ungets command services after each call, which would re-create a delayed component every time.
@Component(immediate = true, service = BanCommands.class)
@GogoCommand(scope = "mesh", function = {"bans", "unban"})
public class BanCommands {
    static final String UNAVAILABLE = "the ban list is not available (mesh.core is stopped or being updated)";

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    private volatile Bans bans;

    public BanCommands() {}

    BanCommands(Bans bans) {
        this.bans = bans;
    }

    private Bans service() {
        Bans b = bans;
        if (b == null) {
            throw new CommandError.NotNow(UNAVAILABLE);
        }
        return CommandError.operatorFacing(Bans.class, b);
    }

    @Descriptor("list the source addresses refused for misbehaving, soonest expiry first")
    public BanTable bans() {
        return new BanTable(service().bans(), "bans in force", "no bans");
    }

    @Descriptor("lift bans now and forget the offences counted against those addresses")
    public BanTable unban(
        @Descriptor("an address (a port is ignored), a node id or a unique prefix of 4+ characters, or 'all'") String ref) {
        return new BanTable(service().unban(ref), "lifted", "no ban matches '" + ref + "'; nothing changed");
    }
}
