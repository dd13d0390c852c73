package io.meshnode.shell.ssh.internal;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.apache.felix.gogo.jline.Shell;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.apache.felix.service.command.Function;
import org.apache.sshd.common.channel.PtyMode;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.Signal;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.jline.terminal.Attributes;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

/**
 * One SSH channel running Gogo: the interactive JLine shell ({@code commandLine == null}), or one command line
 * whose formatted result goes to stdout and whose error goes to stderr with exit status 1.
 */
final class ConsoleCommand implements Command {
    private final ConsoleSessions sessions;
    private final String commandLine;
    private final String refusal;
    private InputStream in;
    private OutputStream out;
    private OutputStream err;
    private ExitCallback exit;
    private volatile Shell shell;
    private volatile Terminal terminal;
    private volatile boolean destroyed;

    /** @param refusal if not {@code null}, the channel prints it on stderr and exits with 1 */
    ConsoleCommand(ConsoleSessions sessions, String commandLine, String refusal) {
        this.sessions = sessions;
        this.commandLine = commandLine;
        this.refusal = refusal;
    }

    @Override
    public void setInputStream(InputStream in) {
        this.in = in;
    }

    @Override
    public void setOutputStream(OutputStream out) {
        this.out = out;
    }

    @Override
    public void setErrorStream(OutputStream err) {
        this.err = err;
    }

    @Override
    public void setExitCallback(ExitCallback exit) {
        this.exit = exit;
    }

    @Override
    public void start(ChannelSession channel, Environment env) {
        // SSHD calls start on its I/O threads: the session runs on its own thread.
        Thread thread = new Thread(() -> run(env), "meshnode-ssh " + channel.getSession().getClientAddress());
        thread.setDaemon(true);
        thread.start();
    }

    private void run(Environment env) {
        int status = 1;
        try {
            if (refusal != null) {
                err.write((refusal + "\n").getBytes(StandardCharsets.UTF_8));
                err.flush();
            } else {
                status = commandLine == null ? shell(env) : exec(env);
            }
        } catch (Throwable e) {
            if (!destroyed) {
                sessions.log.warn("SSH console session ended: {}", e.toString());
            }
        } finally {
            exit.onExit(status);
        }
    }

    /** Runs one command line the way the console would, printing its result with the session's converters. */
    private int exec(Environment env) throws IOException {
        boolean pty = !env.getPtyModes().isEmpty();
        PrintStream stdout = new PrintStream(pty ? new CrLf(out) : out, true, StandardCharsets.UTF_8);
        PrintStream stderr = new PrintStream(pty ? new CrLf(err) : err, true, StandardCharsets.UTF_8);
        CommandSession session = sessions.processor.createSession(in, stdout, stderr);
        try {
            Object result = session.execute(commandLine);
            if (result != null) {
                stdout.println(session.format(result, Converter.INSPECT));
            }
            return 0;
        } catch (Exception e) {
            stderr.println(e.getMessage() != null ? e.getMessage() : e.toString());
            return 1;
        } finally {
            stdout.flush();
            stderr.flush();
            session.close();
        }
    }

    /** The Gogo JLine shell on a terminal over the channel, with the client's PTY modes and window size. */
    private int shell(Environment env) throws Exception {
        Map<String, String> vars = env.getEnv();
        Terminal term = TerminalBuilder.builder()
            .name("meshnode ssh")
            .system(false)
            .type(vars.getOrDefault(Environment.ENV_TERM, "dumb"))
            .streams(in, out)
            .encoding(StandardCharsets.UTF_8)
            .attributes(attributes(env.getPtyModes()))
            .size(size(vars))
            .build();
        terminal = term;
        env.addSignalListener((channel, signal) -> {
            term.setSize(size(vars));
            term.raise(Terminal.Signal.WINCH);
        }, Signal.WINCH);
        Shell gosh = new Shell(sessions.context, sessions.processor);
        shell = gosh;
        CommandSession session = sessions.processor.createSession(term.input(), term.output(), term.output());
        try {
            session.put(Shell.VAR_TERMINAL, term);
            // Shadows node:exit for this session: an operator leaving the console must not stop the node.
            session.put("exit", (Function) (s, args) -> {
                gosh.stop();
                return null;
            });
            gosh.gosh(session, new String[] {"--login", "--noshutdown"});
            return 0;
        } finally {
            session.close();
            term.close();
        }
    }

    static Attributes attributes(Map<PtyMode, Integer> modes) {
        Attributes attributes = new Attributes();
        for (Map.Entry<PtyMode, Integer> e : modes.entrySet()) {
            String name = e.getKey().name();
            int value = e.getValue();
            // SSH names its modes after the termios ones, as JLine does.
            if (has(Attributes.ControlChar.class, name)) {
                attributes.setControlChar(Attributes.ControlChar.valueOf(name), value);
            } else if (has(Attributes.InputFlag.class, name)) {
                attributes.setInputFlag(Attributes.InputFlag.valueOf(name), value != 0);
            } else if (has(Attributes.OutputFlag.class, name)) {
                attributes.setOutputFlag(Attributes.OutputFlag.valueOf(name), value != 0);
            } else if (has(Attributes.LocalFlag.class, name)) {
                attributes.setLocalFlag(Attributes.LocalFlag.valueOf(name), value != 0);
            }
        }
        return attributes;
    }

    private static <E extends Enum<E>> boolean has(Class<E> type, String name) {
        for (E e : type.getEnumConstants()) {
            if (e.name().equals(name)) {
                return true;
            }
        }
        return false;
    }

    static Size size(Map<String, String> vars) {
        return new Size(number(vars.get(Environment.ENV_COLUMNS), 80), number(vars.get(Environment.ENV_LINES), 24));
    }

    private static int number(String text, int fallback) {
        try {
            int n = Integer.parseInt(text);
            return n > 0 ? n : fallback;
        } catch (RuntimeException e) {
            return fallback;
        }
    }

    @Override
    public void destroy(ChannelSession channel) {
        // The client went away or the server stops: end the shell's read loop.
        destroyed = true;
        Shell s = shell;
        if (s != null) {
            s.stop();
        }
        Terminal t = terminal;
        if (t != null) {
            try {
                t.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    /** A client with a PTY is in raw mode: line feeds need a carriage return. */
    private static final class CrLf extends FilterOutputStream {
        CrLf(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            if (b == '\n') {
                out.write('\r');
            }
            out.write(b);
        }
    }
}
