package io.meshnode.examples.gossip;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import io.meshnode.api.config.ConfigValues;
import io.meshnode.api.messaging.MessageHandler;
import io.meshnode.api.messaging.Messaging;
import io.meshnode.api.transport.OverBudgetException;

/**
 * Example application: gossips as block and transaction relays do. It broadcasts a payload of {@code size} bytes
 * every {@code interval} to every connected peer, fire and forget, handles the same topic from its peers, and
 * logs a summary line every {@code summary}. One component both handles a topic and references
 * {@link Messaging}: the mesh binds handlers by reference, so this is no circular reference.
 * <p>
 * Immediate: it sends on its own, whether or not a message has arrived yet.
 */
@Component(configurationPid = Gossip.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL, immediate = true,
    property = MessageHandler.TOPIC + "=" + Gossip.PID)
@Designate(ocd = Gossip.Config.class)
public class Gossip implements MessageHandler {
    static final String PID = "meshnode.gossip";

    @ObjectClassDefinition(name = "Example: gossip", description = "Broadcasts a payload to every connected peer at a "
        + "fixed rate, fire and forget, and counts what it sent, what was refused and what it received.")
    public @interface Config {
        @AttributeDefinition(description = "send (true) or only receive (false)")
        boolean enabled() default true;

        @AttributeDefinition(description = "time between broadcasts (0.25ms, 1ms, 1s)")
        String interval() default "1ms";

        @AttributeDefinition(description = "payload bytes per broadcast (units k, m)")
        String size() default "16k";

        @AttributeDefinition(name = "meshnode.topic", description = "the topic sent and handled; the key is the "
            + "handler's service property itself, so the registration follows it")
        String meshnode_topic() default PID;

        @AttributeDefinition(name = "handler.block", description = "how long the handler blocks per message, to "
            + "play a buggy handler (0s: not at all)")
        String handler_block() default "0s";

        @AttributeDefinition(description = "time between summary lines in the log")
        String summary() default "5s";
    }

    /** One configuration, checked: a bad value keeps the previous one. */
    private record Settings(boolean enabled, Duration interval, byte[] payload, String topic, Duration block,
        Duration summary) {}

    private final Messaging messaging;
    private final Logger log;
    private final Counts total = new Counts();
    private final Counts recent = new Counts();
    private volatile Settings settings;
    private volatile boolean running = true;
    private final Thread sender;

    @Activate
    public Gossip(@Reference Messaging messaging, @Reference(service = LoggerFactory.class) Logger log, Config config) {
        this.messaging = messaging;
        this.log = log;
        this.settings = settings(config, new Settings(true, Duration.ofMillis(1), new byte[16 * 1024], PID,
            Duration.ZERO, Duration.ofSeconds(5)));
        sender = new Thread(this::run, "gossip-sender");
        sender.setDaemon(true);
        sender.start();
    }

    @Modified
    void modified(Config config) {
        settings = settings(config, settings);
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        running = false;
        sender.interrupt();
        sender.join(2_000);
        log.info("gossip stopped: {}", total.describe());
    }

    private Settings settings(Config c, Settings last) {
        Duration interval = ConfigValues.parseDuration(c.interval());
        long size = ConfigValues.parseSize(c.size());
        Duration block = ConfigValues.parseDuration(c.handler_block());
        Duration summary = ConfigValues.parseDuration(c.summary());
        if (interval == null || interval.isZero() || size < 0 || size > Integer.MAX_VALUE - 1024 || block == null
            || summary == null || summary.isZero() || c.meshnode_topic().isEmpty()) {
            log.warn("{}: invalid configuration (interval '{}', size '{}', handler.block '{}', summary '{}', topic '{}'); "
                + "keeping {}", PID, c.interval(), c.size(), c.handler_block(), c.summary(),
                ConfigValues.printable(c.meshnode_topic()), describe(last));
            return last;
        }
        Settings s = new Settings(c.enabled(), interval, last.payload.length == size ? last.payload : new byte[(int) size],
            c.meshnode_topic(), block, summary);
        log.info("gossip configured: {}", describe(s));
        return s;
    }

    private static String describe(Settings s) {
        return (s.enabled ? "sending " + s.payload.length + " bytes every " + ConfigValues.format(s.interval) : "not sending")
            + " on topic '" + ConfigValues.printable(s.topic) + "'"
            + (s.block.isZero() ? "" : ", handler blocks " + ConfigValues.format(s.block) + " per message");
    }

    /** Broadcasts on schedule; after a stall it goes on from now, never in a burst to catch up. */
    private void run() {
        long next = System.nanoTime();
        long summaryAt = next + settings.summary.toNanos();
        while (running) {
            Settings s = settings;
            if (s.enabled) {
                broadcast(s);
            }
            long now = System.nanoTime();
            if (now - summaryAt >= 0) {
                log.info("gossip '{}': {} in the last {}; total {}", ConfigValues.printable(s.topic), recent.describeAndReset(),
                    ConfigValues.format(s.summary), total.describe());
                summaryAt = now + s.summary.toNanos();
            }
            next += s.interval.toNanos();
            if (next - now < 0) {
                next = now;
            }
            LockSupport.parkNanos(Math.min(next - now, s.summary.toNanos()));
        }
    }

    private void broadcast(Settings s) {
        Map<String, CompletionStage<Void>> stages;
        try {
            stages = messaging.broadcast(s.topic, s.payload);
        } catch (RuntimeException e) {
            // the mesh is stopped, updating, or did not answer: count it and go on with the schedule
            count(c -> c.failed.increment());
            return;
        }
        for (CompletionStage<Void> stage : stages.values()) {
            stage.whenComplete((v, e) -> {
                Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                if (cause == null) {
                    count(c -> c.sent.increment());
                } else if (cause instanceof OverBudgetException) {
                    count(c -> c.refused.increment());
                } else {
                    count(c -> c.failed.increment());
                }
            });
        }
    }

    @Override
    public void onMessage(String peerId, String topic, byte[] payload) {
        count(c -> c.received.increment());
        Duration block = settings.block;
        if (!block.isZero()) {
            try {
                Thread.sleep(block.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void count(java.util.function.Consumer<Counts> c) {
        c.accept(total);
        c.accept(recent);
    }

    /** Broadcast stages by outcome, and messages received. */
    private static final class Counts {
        final LongAdder sent = new LongAdder();
        final LongAdder refused = new LongAdder();
        final LongAdder failed = new LongAdder();
        final LongAdder received = new LongAdder();

        String describe() {
            return String.format(Locale.ROOT, "sent %d refused %d failed %d received %d", sent.sum(), refused.sum(),
                failed.sum(), received.sum());
        }

        String describeAndReset() {
            return String.format(Locale.ROOT, "sent %d refused %d failed %d received %d", sent.sumThenReset(),
                refused.sumThenReset(), failed.sumThenReset(), received.sumThenReset());
        }
    }
}
