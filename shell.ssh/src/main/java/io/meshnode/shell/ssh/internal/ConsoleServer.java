package io.meshnode.shell.ssh.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.io.IoAcceptor;
import org.apache.sshd.common.io.IoServiceEventListener;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.auth.AsyncAuthException;
import org.apache.sshd.server.auth.password.UserAuthPasswordFactory;
import org.apache.sshd.server.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.apache.sshd.server.keyprovider.SimpleGeneratorHostKeyProvider;
import org.apache.sshd.server.session.ServerSession;
import org.osgi.service.log.Logger;

/**
 * One running SSH server: bound, authenticating user {@value #USER} by {@link AuthorizedKeys} or the password,
 * guarded by the {@link LoginGuard}, running Gogo in its sessions.
 */
final class ConsoleServer implements AutoCloseable {
    static final String USER = "meshnode";

    /** What the accepted key may do; absent for a password login. */
    private static final AttributeKey<AuthorizedKeys.Grant> GRANT = new AttributeKey<>();
    /** The user names a client tried, escaped, and how many of its attempts failed. */
    private static final AttributeKey<String> TRIED = new AttributeKey<>();
    private static final AttributeKey<AtomicInteger> FAILED = new AttributeKey<>();
    private static final AttributeKey<Boolean> PASSWORD_FAILED = new AttributeKey<>();

    private final SshServer sshd;

    ConsoleServer(Settings settings, AuthorizedKeys keys, Path hostKey, LoginGuard guard,
        ScheduledExecutorService timer, ConsoleSessions sessions, Logger log) throws IOException {
        ownerOnly(hostKey.getParent());
        sshd = SshServer.setUpDefaultServer();
        sshd.setHost(settings.address.getHostAddress());
        sshd.setPort(settings.port);
        // Generated on first start and kept, so clients can pin the node's host key.
        SimpleGeneratorHostKeyProvider hostKeys = new SimpleGeneratorHostKeyProvider(hostKey);
        hostKeys.setAlgorithm("EC");
        sshd.setKeyPairProvider(hostKeys);
        // Every userauth request counts, the client's first "none" probe and each key offered among them, as
        // OpenSSH's MaxAuthTries: past the limit SSHD disconnects ("Too many authentication failures").
        CoreModuleProperties.MAX_AUTH_REQUESTS.set(sshd, settings.authMax);

        sshd.setPublickeyAuthenticator((user, key, session) -> {
            tried(session, user);
            var grant = USER.equals(user) ? keys.authorize(key, address(session)) : java.util.Optional.<AuthorizedKeys.Grant>empty();
            if (grant.isPresent()) {
                session.setAttribute(GRANT, grant.get());
                return true;
            }
            failures(session).incrementAndGet();
            log.debug("SSH console: key {} refused for user {} from {}", KeyUtils.getFingerPrint(key),
                ClientText.of(user), remote(session));
            return false;
        });
        if (settings.passwordLogin()) {
            Password password = settings.password;
            sshd.setPasswordAuthenticator((user, given, session) -> {
                tried(session, user);
                if (USER.equals(user) && password.matches(given)) {
                    session.removeAttribute(GRANT);
                    return true;
                }
                failures(session).incrementAndGet();
                session.setAttribute(PASSWORD_FAILED, true);
                String reason = "wrong password for user " + ClientText.of(user);
                log.warn("SSH console: {} from {}", reason, remote(session));
                Duration delay = guard.failed(address(session), reason);
                if (delay.isZero()) {
                    return false;
                }
                // Answered later, without holding one of SSHD's threads meanwhile.
                AsyncAuthException later = new AsyncAuthException();
                timer.schedule(() -> later.setAuthed(false), delay.toMillis(), TimeUnit.MILLISECONDS);
                throw later;
            });
        } else {
            sshd.setPasswordAuthenticator(null);
        }
        // Only the two methods the configuration names: no keyboard-interactive, no GSSAPI.
        sshd.setUserAuthFactories(settings.passwordLogin()
            ? List.of(UserAuthPublicKeyFactory.INSTANCE, UserAuthPasswordFactory.INSTANCE)
            : List.of(UserAuthPublicKeyFactory.INSTANCE));
        sshd.setIoServiceEventListener(new IoServiceEventListener() {
            @Override
            public void connectionAccepted(IoAcceptor acceptor, SocketAddress local, SocketAddress remote,
                SocketAddress service) throws IOException {
                if (remote instanceof InetSocketAddress r && guard.refuses(r.getAddress())) {
                    log.debug("SSH console: connection from banned {} closed", r.getAddress().getHostAddress());
                    throw new IOException("banned: " + r.getAddress().getHostAddress());
                }
            }
        });
        sshd.setShellFactory(channel -> command(channel, null, sessions));
        sshd.setCommandFactory((channel, command) -> command(channel, command, sessions));
        sshd.addSessionListener(new SessionListener() {
            @Override
            public void sessionEvent(Session session, Event event) {
                if (event == Event.Authenticated) {
                    guard.succeeded(address(session));
                    AuthorizedKeys.Grant grant = session.getAttribute(GRANT);
                    log.info("SSH console: {} logged in from {}{}", ClientText.of(session.getUsername()),
                        remote(session), grant == null ? " (password)"
                            : grant.command() != null ? " (key with command=)" : " (key)");
                }
            }

            @Override
            public void sessionClosed(Session session) {
                if (session.isAuthenticated() || session.getAttribute(TRIED) == null) {
                    return;
                }
                int failed = failures(session).get();
                log.info("SSH console: {} left without logging in after {} refused attempt(s) as {}",
                    remote(session), failed, session.getAttribute(TRIED));
                // Wrong passwords were counted one by one; refused keys count once per connection.
                if (failed > 0 && session.getAttribute(PASSWORD_FAILED) == null) {
                    guard.failed(address(session), "no accepted key for user " + session.getAttribute(TRIED));
                }
            }
        });
        sshd.start();
    }

    /** The host key's folder: readable by the node's user only (it holds the private key). */
    private static void ownerOnly(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        try {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (UnsupportedOperationException e) {
            Files.createDirectories(dir);
        }
    }

    /** A forced command ({@code command=}) replaces what the client asked for, as in OpenSSH. */
    private static Command command(ChannelSession channel, String requested, ConsoleSessions sessions) {
        AuthorizedKeys.Grant grant = channel.getSession().getAttribute(GRANT);
        if (grant == null) {
            return new ConsoleCommand(sessions, requested, null);
        }
        if (grant.command() != null) {
            return new ConsoleCommand(sessions, grant.command(), null);
        }
        if (requested == null && !grant.pty()) {
            return new ConsoleCommand(sessions, null, "this key may run single commands only (authorized_keys: "
                + "restrict or no-pty): ssh … meshnode@host COMMAND");
        }
        return new ConsoleCommand(sessions, requested, null);
    }

    private static void tried(ServerSession session, String user) {
        session.setAttribute(TRIED, ClientText.of(user));
    }

    private static AtomicInteger failures(Session session) {
        return session.computeAttributeIfAbsent(FAILED, k -> new AtomicInteger());
    }

    private static InetAddress address(Session session) {
        SocketAddress a = session.getRemoteAddress();
        return a instanceof InetSocketAddress i ? i.getAddress() : InetAddress.getLoopbackAddress();
    }

    private static String remote(Session session) {
        String a = String.valueOf(session.getRemoteAddress());
        return a.startsWith("/") ? a.substring(1) : a;
    }

    int port() {
        return sshd.getPort();
    }

    @Override
    public void close() {
        try {
            sshd.stop(true);
        } catch (IOException e) {
            // closing anyway
        }
    }
}
