package io.meshnode.shell.ssh.internal;

import java.io.File;
import java.io.IOException;
import java.net.BindException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
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
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import io.meshnode.api.config.ConfigException;
import io.meshnode.api.config.ConfigValues;
import io.meshnode.api.mesh.BanDTO;
import io.meshnode.api.mesh.Bans;

/**
 * The remote console: an SSH server for user {@value ConsoleServer#USER} whose sessions run the Gogo shell,
 * interactive with a PTY, or one command line per exec request ({@code ssh -p 7801 meshnode@127.0.0.1 mesh:peers}).
 * Configuration changes rebind the server live; a bad value is logged and the running server kept.
 * <p>
 * Its failed-login bans are a {@link Bans} service of their own ({@value #BANS_PROPERTY}{@code =ssh}), which
 * {@code mesh:bans} lists beside the mesh's.
 * <p>
 * The default host follows the mesh's {@code listen} host when that is a loopback address: the mesh's configuration
 * ({@value #MESH_PID}) is this component's second configuration PID, read as configuration rather than through the
 * {@code Mesh} service, so the console neither waits for the mesh nor goes away while mesh.core is stopped or
 * updated, which is when an operator needs it most. Keys of {@value #PID} win over the mesh's (the ones here are
 * all named apart from the mesh's).
 */
@Component(configurationPid = {SshConsole.MESH_PID, SshConsole.PID}, configurationPolicy = ConfigurationPolicy.OPTIONAL,
    immediate = true, service = Bans.class, property = SshConsole.BANS_PROPERTY + "=ssh")
// The metatype designates meshnode.ssh only (bnd's @Designate needs exactly one configuration PID).
public class SshConsole implements Bans {
    static final String PID = "meshnode.ssh";
    static final String MESH_PID = "meshnode.mesh";
    /** Service property telling one {@link Bans} service from another: {@code ssh} for this console's. */
    static final String BANS_PROPERTY = "meshnode.bans";

    @ObjectClassDefinition(pid = PID, name = "Meshnode SSH console",
        description = "The remote console: the Gogo shell over SSH for user meshnode (etc/meshnode.ssh.cfg).")
    public @interface Config {
        @AttributeDefinition(description = "Run the SSH console: true or false.")
        String enabled() default "true";

        @AttributeDefinition(description = "Address the console listens on. Empty: the host of the mesh's listen "
            + "address (etc/meshnode.mesh.cfg) when that is a loopback address, else 127.0.0.1, so that nodes sharing "
            + "a machine on 127.0.0.2, 127.0.0.3, ... get a console each. Anything but a loopback address makes the "
            + "console reachable from the network.")
        String host() default "";

        @AttributeDefinition(description = "TCP port of the console (1-65535).")
        String port() default "7801";

        @AttributeDefinition(type = AttributeType.PASSWORD, description = "Password of user meshnode as ssh:passwd "
            + "prints it (pbkdf2-sha256$iterations$salt$hash). Clear text still works but is logged as a warning. "
            + "Empty: password login is off and only the keys in etc/ssh/authorized_keys get in.")
        String password() default "";

        @AttributeDefinition(name = "auth.max", description = "Authentication requests per connection (the "
            + "client's first probe and each key offered count, as OpenSSH's MaxAuthTries); then it is disconnected.")
        String auth_max() default "6";

        @AttributeDefinition(name = "auth.delay", description = "Wait before answering a wrong password; it doubles "
            + "with each failure from the same address within auth.ban.window, up to 16 times this. 0s: no wait.")
        String auth_delay() default "1s";

        @AttributeDefinition(name = "auth.ban.after", description = "Failed logins from one address within "
            + "auth.ban.window that ban it (each wrong password counts; refused keys count once per connection).")
        String auth_ban_after() default "10";

        @AttributeDefinition(name = "auth.ban.window", description = "Period over which failed logins are counted.")
        String auth_ban_window() default "10m";

        @AttributeDefinition(name = "auth.ban.time", description = "How long a ban lasts (listed by mesh:bans, "
            + "lifted by mesh:unban); 0s: no bans.")
        String auth_ban_time() default "15m";
    }

    private final ConsoleSessions sessions;
    private final Path authorizedKeysFile;
    private final AuthorizedKeys authorizedKeys;
    private final Path hostKey;
    private final Logger log;
    private final LoginGuard guard;
    /** Answers wrong passwords late, so that no SSHD thread waits meanwhile. */
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "meshnode-ssh-auth-delay");
        t.setDaemon(true);
        return t;
    });
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
        this.authorizedKeysFile = base.resolve("etc/ssh/authorized_keys");
        this.authorizedKeys = new AuthorizedKeys(authorizedKeysFile, "etc/ssh/authorized_keys", log);
        this.hostKey = base.resolve("data/ssh/host.key");
        this.log = log;
        this.guard = new LoginGuard(System::currentTimeMillis, log);
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
                next = Settings.parse(config, ConfigValues.of(properties, PID), properties);
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
        guard.policy(next.guard);
        if (next.enabled && next.passwordLogin() && !next.password.hashed()) {
            log.warn("SSH console: the password in etc/meshnode.ssh.cfg is in clear text; run ssh:passwd at the "
                + "console and replace it with the line that prints");
        }
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
            server = new ConsoleServer(s, authorizedKeys, hostKey, guard, timer, sessions, log);
            log.info("SSH console listening on {}:{} (host from {}; user {}; keys: {}; password login {})", s.host,
                server.port(), s.hostFrom, ConsoleServer.USER, authorizedKeysFile,
                s.passwordLogin() ? "on" : "off");
            return true;
        } catch (IOException | RuntimeException e) {
            if (bindFailure(e)) {
                log.error("SSH console cannot listen on {}: the address is in use (another node on this machine?). "
                    + "Give each node its own host (127.0.0.2, 127.0.0.3, ...) or port in etc/meshnode.ssh.cfg; "
                    + "the node runs on without a console", s);
            } else {
                log.error("SSH console cannot listen on {}: {}", s, e.toString());
            }
            return false;
        }
    }

    private void stop() {
        if (server != null) {
            server.close();
            server = null;
        }
    }

    private static boolean bindFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException) {
                return true;
            }
        }
        return false;
    }

    @Override
    public List<BanDTO> bans() {
        return guard.bans();
    }

    @Override
    public List<BanDTO> unban(String ref) {
        return guard.unban(ref);
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
        if (worker.isShutdown()) {
            return;
        }
        worker.execute(this::stop);
        worker.shutdown();
        timer.shutdownNow();
        if (!worker.awaitTermination(10, TimeUnit.SECONDS)) {
            log.warn("SSH console: still closing after 10 s");
        }
    }
}
