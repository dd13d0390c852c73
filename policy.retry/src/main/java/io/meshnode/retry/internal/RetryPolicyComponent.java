package io.meshnode.retry.internal;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

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
import io.meshnode.api.retry.RetryDecision;
import io.meshnode.api.retry.RetryPolicy;
import io.meshnode.api.topology.NodeRole;

/** Exponential backoff with jitter, give-up per role and slow re-probing of parked masternodes. */
@Component(configurationPid = RetryPolicyComponent.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL,
    property = "service.ranking:Integer=0")
@Designate(ocd = RetryPolicyComponent.Config.class)
public class RetryPolicyComponent implements RetryPolicy {
    static final String PID = "meshnode.retry";

    @ObjectClassDefinition(name = "Meshnode retry policy",
        description = "Backoff between attempts to reach a peer (etc/meshnode.retry.cfg).")
    public @interface Config {
        @AttributeDefinition(description = "Delay after the first failure (duration with unit).")
        String initial() default "5s";

        @AttributeDefinition(description = "Factor applied to the delay after each further failure.")
        String multiplier() default "2";

        @AttributeDefinition(description = "Largest delay between two attempts.")
        String max() default "300s";

        @AttributeDefinition(description = "full, equal, decorrelated or none. equal waits between half and all of the backoff.")
        String jitter() default "equal";

        @AttributeDefinition(name = "giveup.masternode", description = "Consecutive failures after which a masternode is parked (and re-probed every 'probe').")
        String giveup_masternode() default "20";

        @AttributeDefinition(name = "giveup.fullnode", description = "Consecutive failures after which a full node is parked until revived.")
        String giveup_fullnode() default "10";

        @AttributeDefinition(description = "How long a connection must stay healthy before its failure count resets.")
        String stable() default "60s";

        @AttributeDefinition(description = "Re-probe period of a parked masternode; empty means the same as 'max'.")
        String probe() default "";
    }

    private final Logger log;
    private final DoubleSupplier random;
    private volatile Backoff backoff;

    @Activate
    public RetryPolicyComponent(@Reference(service = LoggerFactory.class) Logger log, Config config,
        Map<String, Object> properties) {
        this(log, config, properties, () -> ThreadLocalRandom.current().nextDouble());
    }

    RetryPolicyComponent(Logger log, Config config, Map<String, Object> properties, DoubleSupplier random) {
        this.log = log;
        this.random = random;
        this.backoff = defaults();
        modified(config, properties);
    }

    @Modified
    void modified(Config config, Map<String, Object> properties) {
        try {
            backoff = Backoff.from(config, ConfigValues.of(properties, PID));
        } catch (ConfigException e) {
            log.error("{}; keeping the previous retry configuration", e.getMessage());
        }
    }

    private static Backoff defaults() {
        return new Backoff(Duration.ofSeconds(5), 2, Duration.ofSeconds(300), Backoff.Jitter.EQUAL, 20, 10,
            Duration.ofSeconds(60), Duration.ofSeconds(300));
    }

    @Override
    public RetryDecision next(NodeRole role, int consecutiveFailures, Duration previousDelay) {
        return backoff.next(role, consecutiveFailures, previousDelay == null ? Duration.ZERO : previousDelay, random);
    }

    @Override
    public Duration stableAfter() {
        return backoff.stable;
    }
}
