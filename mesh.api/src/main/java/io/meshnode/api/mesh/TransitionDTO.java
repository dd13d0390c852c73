package io.meshnode.api.mesh;

import org.osgi.dto.DTO;

/** One change of a peer's state, as kept in {@link PeerDTO#history}. */
public class TransitionDTO extends DTO {
    /** When it happened, milliseconds since the epoch. */
    public long at;
    /** The state before; {@code null} when the peer was added. */
    public PeerState from;
    /** The state after. */
    public PeerState to;
    /** Why, in words an operator understands (for example {@code CONNECT_FAILED cannot connect to …: Connection refused}). */
    public String reason;
}
