package io.meshnode.health.phi.internal;

import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import io.meshnode.api.config.ConfigException;
import io.meshnode.api.config.ConfigValues;
import io.meshnode.api.health.HealthDecision;
import io.meshnode.api.health.HealthMonitor;
import io.meshnode.api.health.LinkObservation;

/**
 * Phi-accrual health monitor. Ranked below the heartbeat monitor (0): installed, it waits until an
 * operator selects it with {@code health.target = (component.name=meshnode.health.phi)} in
 * etc/meshnode.mesh.cfg (live), or ranks it above the heartbeat with {@code service.ranking = I"100"} in
 * etc/meshnode.phi.cfg (FileInstall's typed value: a plain {@code 100} is a string, which the framework
 * ranks as 0). A ranking changed while the mesh has a monitor bound does not make the greedy reference
 * rebind; it applies from the next start.
 */
@Component(name = PhiMonitor.NAME, configurationPid = PhiMonitor.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
    property = "service.ranking:Integer=-10")
@Designate(ocd = PhiMonitor.Config.class)
public class PhiMonitor implements HealthMonitor {
    static final String NAME = "meshnode.health.phi";
    static final String PID = "meshnode.phi";

    @ObjectClassDefinition(name = "Meshnode phi-accrual health",
        description = "Phi-accrual failure detection of every live link (etc/meshnode.phi.cfg).")
    public @interface Config {
        @AttributeDefinition(description = "Phi at which the link is closed (reason TIMEOUT); 8 means a 1e-8 chance that the peer is alive.")
        String threshold() default "8";

        @AttributeDefinition(description = "How often the mesh pings each link; the answers are the heartbeats phi learns from.")
        String interval() default "1s";

        @AttributeDefinition(name = "min.std.deviation", description = "Lower bound of the standard deviation of heartbeat intervals.")
        String min_std_deviation() default "100ms";

        @AttributeDefinition(name = "acceptable.pause", description = "Silence tolerated on top of the mean heartbeat interval (GC pauses, bursts).")
        String acceptable_pause() default "3s";

        @AttributeDefinition(name = "first.estimate", description = "Heartbeat interval assumed until the first intervals are observed.")
        String first_estimate() default "1s";
    }

    private final Logger log;
    private volatile PhiAccrual phi = new PhiAccrual(1_000, 8, 100, 3_000, 1_000);

    @Activate
    public PhiMonitor(@Reference(service = LoggerFactory.class) Logger log, Config config, Map<String, Object> properties) {
        this.log = log;
        modified(config, properties);
    }

    @Modified
    void modified(Config config, Map<String, Object> properties) {
        ConfigValues v = ConfigValues.of(properties, PID);
        try {
            phi = new PhiAccrual(v.positiveDuration("interval", config.interval()).toMillis(),
                v.decimal("threshold", config.threshold(), 0.5, 100),
                v.positiveDuration("min.std.deviation", config.min_std_deviation()).toMillis(),
                v.duration("acceptable.pause", config.acceptable_pause()).toMillis(),
                v.positiveDuration("first.estimate", config.first_estimate()).toMillis());
        } catch (ConfigException e) {
            log.error("{}; keeping the previous phi-accrual configuration", e.getMessage());
        }
    }

    @Override
    public HealthDecision assess(LinkObservation link, long now) {
        return phi.assess(link, now);
    }
}
