package io.meshnode.shell.ssh.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Map;

import org.apache.felix.gogo.runtime.CommandProcessorImpl;
import org.apache.felix.gogo.runtime.threadio.ThreadIOImpl;
import org.apache.felix.service.command.CommandSession;
import org.junit.jupiter.api.Test;

import io.meshnode.api.config.ConfigException;
import io.meshnode.api.config.ConfigValues;

class PasswordTest {
    private final ConfigValues v = ConfigValues.of(Map.of(), SshConsole.PID);

    @Test
    void aHashIsSaltedAndVerifies() {
        String one = Password.hash("s3cret".toCharArray(), new SecureRandom());
        String two = Password.hash("s3cret".toCharArray(), new SecureRandom());
        assertTrue(one.matches("pbkdf2-sha256\\$210000\\$[A-Za-z0-9+/]{22}\\$[A-Za-z0-9+/]{43}"), one);
        assertNotEquals(one, two, "a fresh salt each time");
        Password p = Password.parse(v, one);
        assertTrue(p.hashed());
        assertTrue(p.matches("s3cret"));
        assertFalse(p.matches("s3cret "));
        assertFalse(p.matches(null));
    }

    @Test
    void clearTextStillWorksAndEmptyTurnsPasswordsOff() {
        Password p = Password.parse(v, "plain");
        assertFalse(p.hashed());
        assertTrue(p.matches("plain"));
        assertNull(Password.parse(v, ""));
    }

    @Test
    void aBrokenHashIsRefusedWithoutShowingIt() {
        ConfigException e = assertThrows(ConfigException.class,
            () -> Password.parse(v, "pbkdf2-sha256$5$c2FsdHNhbHQ$aGFzaA"));
        assertFalse(e.getMessage().contains("c2FsdHNhbHQ"), e.getMessage());
        assertTrue(e.getMessage().contains("password = '(hidden)'"), e.getMessage());
    }

    @Test
    void sshPasswdPrintsTheLineForTheConfigurationFromPipedInput() throws Exception {
        ThreadIOImpl threadIO = new ThreadIOImpl();
        threadIO.start();
        try {
            CommandProcessorImpl processor = new CommandProcessorImpl(threadIO);
            processor.addCommand("ssh", new PasswdCommand(), "passwd");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            CommandSession session = processor.createSession(
                new ByteArrayInputStream("correct horse\n".getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out), new PrintStream(out));
            String printed = String.valueOf(session.execute("ssh:passwd"));
            String line = printed.lines().findFirst().orElseThrow();
            assertTrue(line.startsWith("password = pbkdf2-sha256$"), printed);
            assertTrue(Password.parse(v, line.substring("password = ".length())).matches("correct horse"));
            assertTrue(printed.contains("etc/meshnode.ssh.cfg"), printed);

            CommandSession empty = processor.createSession(new ByteArrayInputStream(new byte[0]),
                new PrintStream(out), new PrintStream(out));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> empty.execute("ssh:passwd"))
                .getMessage().startsWith("empty password"));
        } finally {
            threadIO.stop();
        }
    }

    @Test
    void fromPatternsFollowOpenSsh() throws Exception {
        java.net.InetAddress a = java.net.InetAddress.getByName("127.0.77.7");
        assertTrue(AuthorizedKeys.matches(java.util.List.of("127.0.77.*"), a));
        assertTrue(AuthorizedKeys.matches(java.util.List.of("10.0.0.0/8", "127.0.0.0/8"), a));
        assertFalse(AuthorizedKeys.matches(java.util.List.of("127.0.0.0/8", "!127.0.77.7"), a));
        assertFalse(AuthorizedKeys.matches(java.util.List.of("127.0.77.?"), java.net.InetAddress.getByName("127.0.77.17")));
        assertEquals(false, AuthorizedKeys.matches(java.util.List.of("!10.*"), a), "a negation alone allows nothing");
    }
}
