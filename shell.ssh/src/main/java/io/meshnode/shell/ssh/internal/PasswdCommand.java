package io.meshnode.shell.ssh.internal;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;

import org.apache.felix.gogo.jline.Shell;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.terminal.Terminal;
import org.osgi.service.component.annotations.Component;

/**
 * {@code ssh:passwd}: the hashed form of a console password, for {@code password} in {@code etc/meshnode.ssh.cfg}.
 * Here rather than in shell.commands because the format is the console's own (implementation bundles share no code).
 */
// Immediate: Gogo ungets command services after each call, which would re-create a delayed component every time.
@Component(immediate = true, service = PasswdCommand.class)
@GogoCommand(scope = "ssh", function = {"passwd"})
public class PasswdCommand {
    private final SecureRandom random = new SecureRandom();

    @Descriptor("print the line that sets the SSH console's password, hashed (PBKDF2, salted), for "
        + "etc/meshnode.ssh.cfg: asks for the password twice without echo, or reads one line of piped input")
    public String passwd(CommandSession session) throws IOException {
        char[] password = read(session);
        try {
            if (password.length == 0) {
                throw new IllegalArgumentException("empty password: nothing to hash (an empty 'password' in "
                    + "etc/meshnode.ssh.cfg turns password login off)");
            }
            return "password = " + Password.hash(password, random) + "\n"
                + "# put this line into etc/meshnode.ssh.cfg in place of any 'password' line; it applies at once";
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    private static char[] read(CommandSession session) throws IOException {
        if (session.get(Shell.VAR_TERMINAL) instanceof Terminal terminal) {
            LineReader reader = LineReaderBuilder.builder().terminal(terminal).build();
            String first = reader.readLine("new console password: ", '\0');
            String second = reader.readLine("the same again: ", '\0');
            if (!first.equals(second)) {
                throw new IllegalArgumentException("the two passwords differ; nothing printed");
            }
            return first.toCharArray();
        }
        BufferedReader in = new BufferedReader(new InputStreamReader(session.getKeyboard(), StandardCharsets.UTF_8));
        String line = in.readLine();
        return line == null ? new char[0] : line.toCharArray();
    }
}
