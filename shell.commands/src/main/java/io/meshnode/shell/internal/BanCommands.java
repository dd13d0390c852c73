package io.meshnode.shell.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import io.meshnode.api.mesh.BanDTO;
import io.meshnode.api.mesh.Bans;

/**
 * {@code mesh:bans} and {@code mesh:unban}: the source addresses refused for misbehaving, over every {@link Bans}
 * service (the mesh's, and the SSH console's failed logins, whose reasons start with {@code ssh console:}).
 */
// Immediate: Gogo ungets command services after each call, which would re-create a delayed component every time.
@Component(immediate = true, service = BanCommands.class)
@GogoCommand(scope = "mesh", function = {"bans", "unban"})
public class BanCommands {
    static final String UNAVAILABLE = "the ban list is not available (mesh.core is stopped or being updated, "
        + "and no SSH console runs)";

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
        policyOption = ReferencePolicyOption.GREEDY)
    private volatile List<Bans> bans = List.of();

    public BanCommands() {}

    BanCommands(Bans... bans) {
        this.bans = List.of(bans);
    }

    private List<Bans> services() {
        List<Bans> all = bans;
        if (all.isEmpty()) {
            throw new CommandError.NotNow(UNAVAILABLE);
        }
        List<Bans> wrapped = new ArrayList<>();
        for (Bans b : all) {
            wrapped.add(CommandError.operatorFacing(Bans.class, b));
        }
        return wrapped;
    }

    @Descriptor("list the source addresses refused for misbehaving (mesh links and SSH logins), soonest expiry first")
    public BanTable bans() {
        List<BanDTO> list = new ArrayList<>();
        for (Bans b : services()) {
            list.addAll(b.bans());
        }
        list.sort(Comparator.comparingLong((BanDTO b) -> b.until).thenComparing(b -> b.address));
        return new BanTable(list, "bans in force", "no bans");
    }

    @Descriptor("lift bans now and forget the offences counted against those addresses")
    public BanTable unban(
        @Descriptor("an address (a port is ignored), a node id or a unique prefix of 4+ characters, or 'all'") String ref) {
        List<BanDTO> lifted = new ArrayList<>();
        IllegalArgumentException refused = null;
        int answered = 0;
        for (Bans b : services()) {
            try {
                lifted.addAll(b.unban(ref));
                answered++;
            } catch (IllegalArgumentException e) {
                refused = refused == null ? e : refused;
            }
        }
        // A reference only one ban list understands (a node id: the mesh's) is fine; one that none does is an error.
        if (answered == 0 && refused != null) {
            throw refused;
        }
        return new BanTable(lifted, "lifted", "no ban matches '" + ref + "'; nothing changed");
    }
}
