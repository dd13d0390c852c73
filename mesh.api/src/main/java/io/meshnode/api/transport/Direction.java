package io.meshnode.api.transport;

/** Which side opened a connection. */
public enum Direction {
    /** This node dialed. */
    OUTBOUND,
    /** The peer dialed and this node accepted. */
    INBOUND
}
