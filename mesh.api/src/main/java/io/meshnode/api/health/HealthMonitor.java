package io.meshnode.api.health;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Judges live links. The mesh calls {@link #assess} for each link when the previous decision asked it
 * to (and once right after the handshake); it sends a ping when told to, answers the peer's pings
 * itself, measures round-trip times from the pongs, and closes the link with reason {@code TIMEOUT}
 * on a {@link HealthVerdict#FAILED} verdict.
 * <p>
 * A monitor is stateless: everything it needs is in the {@link LinkObservation}, so replacing the
 * monitor at runtime drops no connection and loses no history. Implementations must be thread-safe,
 * fast, and must not block; they read no clock of their own (time is passed in), which makes them
 * testable in virtual time.
 * <p>
 * Contract for well-behaved monitors: at most one ping per assessment, and the next check is computed
 * from {@code now}, never by catching up on missed ticks, so a node that was frozen does not send a
 * burst of pings when it resumes.
 * <p>
 * The mesh asks again at the decision's {@code nextCheckAt}, never earlier, and for a check half a second or more
 * ahead possibly a little later: such checks of all links are grouped onto a grid of at most a twentieth of the wait
 * (so at most 5 % late: 50 ms for a check a second ahead), so that many links share one wake-up of the mesh thread.
 * The {@code now} passed to the checks of one group is the same for all of them.
 * <p>
 * A monitor whose settings change while it is bound (its configuration edited live) says so by changing its
 * service properties, as Declarative Services does for a component whose configuration is modified: the mesh then
 * assesses every live link again at once, so a shorter interval or timeout applies immediately. A monitor that
 * changes without saying so is still asked again within a few seconds on every live link.
 */
@ConsumerType
public interface HealthMonitor {

    /**
     * @param link what the mesh has observed of the link
     * @param now the mesh clock, in milliseconds
     * @return what to do now and when to assess again
     */
    HealthDecision assess(LinkObservation link, long now);
}
