package io.meshnode.health.internal;

import java.time.Duration;
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
import io.meshnode.api.health.HeartbeatRules;
import io.meshnode.api.health.LinkObservation;

/** Ping every interval; any frame within the timeout counts as an answer; N misses in a row fail the link. */
@Component(configurationPid = HeartbeatMonitor.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
    property = "service.ranking:Integer=0")
@Designate(ocd = HeartbeatMonitor.Config.class)
public class HeartbeatMonitor implements HealthMonitor {
    static final String PID = "meshnode.heartbeat";

    @ObjectClassDefinition(name = "Meshnode heartbeat",
        description = "Liveness checks of every live link (etc/meshnode.heartbeat.cfg).")
    public @interface Config {
        @AttributeDefinition(description = "Time between two pings on a link (duration with unit).")
        String interval() default "30s";

        @AttributeDefinition(description = "How long to wait for any frame after a ping before it counts as missed.")
        String timeout() default "10s";

        @AttributeDefinition(description = "Consecutive missed pings after which the link is closed (reason TIMEOUT).")
        String missed() default "3";
    }

    private final Logger log;
    private volatile HeartbeatRules heartbeat = HeartbeatRules.DEFAULTS;

    @Activate
    public HeartbeatMonitor(@Reference(service = LoggerFactory.class) Logger log, Config config,
        Map<String, Object> properties) {
        this.log = log;
        modified(config, properties);
    }

    @Modified
    void modified(Config config, Map<String, Object> properties) {
        ConfigValues v = ConfigValues.of(properties, PID);
        try {
            heartbeat = new HeartbeatRules(v.positiveDuration("interval", config.interval()),
                v.positiveDuration("timeout", config.timeout()), v.integer("missed", config.missed(), 1, 1000));
        } catch (ConfigException e) {
            log.error("{}; keeping the previous heartbeat configuration", e.getMessage());
        }
    }

    @Override
    public HealthDecision assess(LinkObservation link, long now) {
        return heartbeat.assess(link, now);
    }
}
