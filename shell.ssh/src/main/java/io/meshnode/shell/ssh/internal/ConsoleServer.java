package io.meshnode.shell.ssh.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;

import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.auth.password.UserAuthPasswordFactory;
import org.apache.sshd.server.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.server.config.keys.AuthorizedKeysAuthenticator;
import org.apache.sshd.server.keyprovider.SimpleGeneratorHostKeyProvider;
import org.osgi.service.log.Logger;

/** One running SSH server: bound, authenticating user {@value #USER}, running Gogo in its sessions. */
final class ConsoleServer implements AutoCloseable {
    static final String USER = "meshnode";

    private final SshServer sshd;

    ConsoleServer(Settings settings, Path authorizedKeys, Path hostKey, ConsoleSessions sessions, Logger log)
        throws IOException {
        Files.createDirectories(hostKey.getParent());
        sshd = SshServer.setUpDefaultServer();
        sshd.setHost(settings.address.getHostAddress());
        sshd.setPort(settings.port);
        // Generated on first start and kept, so clients can pin the node's host key.
        SimpleGeneratorHostKeyProvider hostKeys = new SimpleGeneratorHostKeyProvider(hostKey);
        hostKeys.setAlgorithm("EC");
        sshd.setKeyPairProvider(hostKeys);
        // Re-read whenever the file changes; a missing file lets no key in.
        AuthorizedKeysAuthenticator keys = new AuthorizedKeysAuthenticator(authorizedKeys);
        sshd.setPublickeyAuthenticator(
            (user, key, session) -> USER.equals(user) && keys.authenticate(user, key, session));
        if (settings.passwordLogin()) {
            byte[] expected = settings.password.getBytes(StandardCharsets.UTF_8);
            sshd.setPasswordAuthenticator((user, password, session) -> {
                boolean ok = USER.equals(user)
                    && MessageDigest.isEqual(expected, password.getBytes(StandardCharsets.UTF_8));
                if (!ok) {
                    log.warn("SSH console: wrong password for user {} from {}", user, address(session));
                }
                return ok;
            });
        } else {
            sshd.setPasswordAuthenticator(null);
        }
        // Only the two methods the configuration names: no keyboard-interactive, no GSSAPI.
        sshd.setUserAuthFactories(settings.passwordLogin()
            ? List.of(UserAuthPublicKeyFactory.INSTANCE, UserAuthPasswordFactory.INSTANCE)
            : List.of(UserAuthPublicKeyFactory.INSTANCE));
        sshd.setShellFactory(channel -> new ConsoleCommand(sessions, null));
        sshd.setCommandFactory((channel, command) -> new ConsoleCommand(sessions, command));
        sshd.addSessionListener(new SessionListener() {
            @Override
            public void sessionEvent(Session session, Event event) {
                if (event == Event.Authenticated) {
                    log.info("SSH console: {} logged in from {}", session.getUsername(), address(session));
                }
            }
        });
        sshd.start();
    }

    private static String address(Session session) {
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
