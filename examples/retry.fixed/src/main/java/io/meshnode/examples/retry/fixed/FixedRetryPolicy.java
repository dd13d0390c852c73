package io.meshnode.examples.retry.fixed;

import java.time.Duration;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import io.meshnode.api.config.ConfigValues;
import io.meshnode.api.retry.RetryDecision;
import io.meshnode.api.retry.RetryPolicy;
import io.meshnode.api.topology.NodeRole;

/**
 * Example integrator bundle: retries every peer at a fixed delay and never gives up. Its ranking (100)
 * is above the default policy's (0), so the mesh switches to it as soon as it is installed, without
 * dropping a connection, and back when it is removed.
 */
@Component(configurationPid = "meshnode.example.fixedretry", configurationPolicy = ConfigurationPolicy.OPTIONAL,
    property = "service.ranking:Integer=100")
@Designate(ocd = FixedRetryPolicy.Config.class)
public class FixedRetryPolicy implements RetryPolicy {

    @ObjectClassDefinition(name = "Example: fixed-delay retry policy")
    public @interface Config {
        /** Delay between attempts. */
        String delay() default "2s";
    }

    private volatile Duration delay;

    @Activate
    @Modified
    void configure(Config config) {
        Duration d = ConfigValues.parseDuration(config.delay());
        delay = d == null ? Duration.ofSeconds(2) : d;
    }

    @Override
    public RetryDecision next(NodeRole role, int consecutiveFailures, Duration previousDelay) {
        return RetryDecision.retryAfter(consecutiveFailures == 0 ? Duration.ZERO : delay);
    }

    @Override
    public Duration stableAfter() {
        return Duration.ofSeconds(30);
    }
}
