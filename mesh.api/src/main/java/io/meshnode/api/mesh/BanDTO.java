package io.meshnode.api.mesh;

import org.osgi.dto.DTO;

/** One source address that is refused for a while because it kept misbehaving. Times are milliseconds since the epoch. */
public class BanDTO extends DTO {
    /** The banned source address (no port). */
    public String address;
    /** The node id it last claimed, {@code null} if it never got as far as a hello. */
    public String claimedId;
    /**
     * {@code true} if the source proved {@link #claimedId} (its TLS key derives to it); {@code false} if it only
     * claimed it. An unban by id matches proven ids only.
     *
     * @since 1.4
     */
    public boolean idProven;
    /** Offences counted when the ban was imposed. */
    public int offences;
    /** The last offence, for example {@code PROTOCOL_ERROR: unknown frame type 99}. */
    public String reason;
    /** When the ban began. */
    public long since;
    /** When the ban ends. */
    public long until;
}
