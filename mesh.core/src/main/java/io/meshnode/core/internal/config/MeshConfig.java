package io.meshnode.core.internal.config;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** etc/meshnode.mesh.cfg: the metatype of the mesh's configuration (pid {@code meshnode.mesh}). */
@ObjectClassDefinition(name = "Meshnode mesh", description = "This node and its peers (etc/meshnode.mesh.cfg).")
public @interface MeshConfig {
    @AttributeDefinition(description = "host:port this node listens on and dials from. Each node on one machine needs its own address, e.g. 127.0.0.2:7800.")
    String listen() default "127.0.0.1:7800";

    @AttributeDefinition(description = "host:port announced to peers as the address to dial this node at; empty: the listen address. Needed when listen is a wildcard (0.0.0.0, [::]) or behind NAT or a container's port mapping.")
    String advertise() default "";

    @AttributeDefinition(description = "masternode or fullnode.")
    String role() default "masternode";

    @AttributeDefinition(description = "Comma-separated host:port of the peers, optionally id@host:port to pin a peer's node id.")
    String peers() default "";

    @AttributeDefinition(name = "dial.grace", description = "How long to wait for the designated dialer of a pair before dialing anyway (jittered down by up to 25%).")
    String dial_grace() default "10s";

    @AttributeDefinition(description = "Who may link: peers (only node ids pinned in peers as id@host:port) or any (any node that proves the key its id derives from).")
    String admit() default "peers";

    @AttributeDefinition(name = "links.max", description = "The most links this node holds: a node that is not in peers (it dialed in, admitted under admit = any) is refused once the links plus the configured peers still without one reach this number.")
    String links_max() default "256";

    @AttributeDefinition(name = "links.per.address", description = "The most links of nodes that are not in peers from one source address (for IPv6, one /64). Configured peers do not count.")
    String links_per_address() default "4";

    @AttributeDefinition(name = "ban.after", description = "Offences (failed or abandoned handshakes, malformed or oversized frames, refused identities) from one source address within ban.window that ban it.")
    String ban_after() default "5";

    @AttributeDefinition(name = "ban.window", description = "The period over which offences are counted.")
    String ban_window() default "1m";

    @AttributeDefinition(name = "ban.time", description = "How long a ban lasts; 0s disables banning.")
    String ban_time() default "10m";
}
