package io.meshnode.shell.ssh.internal;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import org.apache.felix.gogo.jline.Shell;
import org.apache.felix.service.command.CommandProcessor;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.log.Logger;
import org.osgi.service.log.LoggerFactory;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import io.meshnode.api.config.ConfigException;
import io.meshnode.api.config.ConfigValues;

/**
 * The remote console: an SSH server for user {@value ConsoleServer#USER} whose sessions run the Gogo shell,
 * interactive with a PTY, or one command line per exec request ({@code ssh -p 7801 meshnode@127.0.0.1 mesh:peers}).
 * Configuration changes rebind the server live; a bad value is logged and the running server kept.
 */
@Component(configurationPid = SshConsole.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL, immediate = true,
    service = {})
@Designate(ocd = SshConsole.Config.class)
public class SshConsole {
    static final String PID = "meshnode.ssh";

    @ObjectClassDefinition(name = "Meshnode SSH console",
        description = "The remote console: the Gogo shell over SSH for user meshnode (etc/meshnode.ssh.cfg).")
    public @interface Config {
        @AttributeDefinition(description = "Run the SSH console: true or false.")
        String enabled() default "true";

        @AttributeDefinition(description = "Address the console listens on. Anything but a loopback address "
            + "makes it reachable from the network. Nodes sharing a machine need their own host or port.")
        String host() default "127.0.0.1";

        @AttributeDefinition(description = "TCP port of the console (1-65535).")
        String port() default "7801";

        @AttributeDefinition(type = AttributeType.PASSWORD, description = "Password of user meshnode. Empty: "
            + "password login is off and only the keys in etc/ssh/authorized_keys get in.")
        String password() default "";
    }

    private final ConsoleSessions sessions;
    private final Path authorizedKeys;
    private final Path hostKey;
    private final Logger log;
    /** Binds and closes servers, so that SSHD's start (tenths of a second of CPU) never holds up the framework. */
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "meshnode-ssh-console");
        t.setDaemon(true);
        return t;
    });
    private Settings settings;
    private ConsoleServer server;

    @Activate
    public SshConsole(BundleContext context, @Reference CommandProcessor processor,
        @Reference(service = LoggerFactory.class) Logger log, Config config, Map<String, Object> properties) {
        this(new ConsoleSessions(processor, shellContext(context::getProperty), log), base(context), log, config,
            properties);
    }

    SshConsole(ConsoleSessions sessions, Path base, Logger log, Config config, Map<String, Object> properties) {
        this.sessions = sessions;
        this.authorizedKeys = base.resolve("etc/ssh/authorized_keys");
        this.hostKey = base.resolve("data/ssh/host.key");
        this.log = log;
        modified(config, properties);
    }

    /** The node home ({@code meshnode.home}), or this bundle's data area in a bare framework. */
    private static Path base(BundleContext context) {
        String home = context.getProperty("meshnode.home");
        if (home != null && !home.isBlank()) {
            return Path.of(home).toAbsolutePath();
        }
        File area = context.getDataFile("");
        if (area == null) {
            throw new IllegalStateException("no meshnode.home and no bundle data area: nowhere to keep the host key");
        }
        return area.toPath();
    }

    /**
     * @param properties where the shell reads {@code gosh.home} and the like
     * @return a context for shells run on behalf of remote operators: their exit never stops the framework
     */
    static Shell.Context shellContext(UnaryOperator<String> properties) {
        return new Shell.Context() {
            @Override
            public String getProperty(String name) {
                return properties.apply(name);
            }

            @Override
            public void exit() {
                // remote shells run with --noshutdown, and 'exit' ends the SSH session only
            }
        };
    }

    @Modified
    void modified(Config config, Map<String, Object> properties) {
        // A host name may need a DNS lookup: parsed on the worker too.
        worker.execute(() -> {
            Settings next;
            try {
                next = Settings.parse(config, ConfigValues.of(properties, PID));
            } catch (ConfigException e) {
                log.error("{}; keeping the previous SSH console configuration ({})", e.getMessage(),
                    server != null ? "on " + settings.host + ":" + server.port() : "off");
                return;
            }
            apply(next);
        });
    }

    private void apply(Settings next) {
        if (next.equals(settings)) {
            return;
        }
        Settings previous = settings;
        stop();
        if (start(next)) {
            settings = next;
        } else if (previous != null && previous.enabled && start(previous)) {
            log.warn("SSH console: back on the previous address {}", previous);
        } else {
            settings = null;
        }
    }

    private boolean start(Settings s) {
        if (!s.enabled) {
            log.info("SSH console off (enabled = false)");
            return true;
        }
        if (!s.address.isLoopbackAddress()) {
            log.warn("SSH console: host = {} is not a loopback address; the console is reachable from the network",
                s.host);
        }
        try {
            server = new ConsoleServer(s, authorizedKeys, hostKey, sessions, log);
            log.info("SSH console listening on {}:{} (user {}; keys: {}; password login {})", s.host, server.port(),
                ConsoleServer.USER, authorizedKeys, s.passwordLogin() ? "on" : "off");
            return true;
        } catch (IOException | RuntimeException e) {
            log.error("SSH console cannot listen on {}: {}", s, e.toString());
            return false;
        }
    }

    private void stop() {
        if (server != null) {
            server.close();
            server = null;
        }
    }

    /** Waits until every configuration given so far is applied (tests). */
    void sync() throws InterruptedException, ExecutionException {
        worker.submit(() -> { }).get();
    }

    /** @return the port the console listens on, or -1 when it is off */
    int port() throws InterruptedException, ExecutionException {
        return worker.submit(() -> server == null ? -1 : server.port()).get();
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        worker.execute(this::stop);
        worker.shutdown();
        if (!worker.awaitTermination(10, TimeUnit.SECONDS)) {
            log.warn("SSH console: still closing after 10 s");
        }
    }
}
