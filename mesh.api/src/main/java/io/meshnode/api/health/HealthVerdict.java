package io.meshnode.api.health;

/** A monitor's judgement of a link. */
public enum HealthVerdict {
    /** The peer answered recently. */
    HEALTHY,
    /** At least one ping went unanswered, but not enough to give up on the link. */
    SUSPECT,
    /** The link is dead; the mesh closes it with reason {@code TIMEOUT}. */
    FAILED
}
