package io.meshnode.itest.fault;

import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * {@code jcmd <pid> <command>} without starting a JVM per call: HotSpot's attach protocol on Linux, spoken from this
 * process. The chaos soak samples five nodes' heaps after a forced GC many times a run; a {@code jcmd} process costs
 * about a CPU-second each on the shared machine, this costs nothing. The protocol (as the JDK's own
 * {@code sun.tools.attach.VirtualMachineImpl}): an {@code .attach_pid<pid>} file in the target's working directory
 * and a SIGQUIT make the JVM open {@code /tmp/.java_pid<pid>}; a request is "1", "jcmd" and three arguments, each
 * NUL-terminated; the answer is a status line and the command's output.
 */
final class Jcmd {
    private Jcmd() {}

    /** Runs one diagnostic command (e.g. {@code GC.run}, {@code GC.heap_info}) in the JVM and returns its output. */
    static String run(long pid, String command) throws IOException {
        Path socket = Path.of("/proc", Long.toString(pid), "root", "tmp", ".java_pid" + pid);
        if (!Files.exists(socket)) {
            Path trigger = Path.of("/proc", Long.toString(pid), "cwd", ".attach_pid" + pid);
            Files.deleteIfExists(trigger);
            Files.createFile(trigger);
            try {
                Lab.run(List.of("kill", "-QUIT", Long.toString(pid)), true);
                Poll.until(Duration.ofSeconds(10), () -> Files.exists(socket), () -> "JVM " + pid + " did not open " + socket);
            } finally {
                Files.deleteIfExists(trigger);
            }
        }
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            StringBuilder request = new StringBuilder();
            for (String part : new String[] {"1", "jcmd", command, "", ""}) {
                request.append(part).append('\0');
            }
            ByteBuffer out = ByteBuffer.wrap(request.toString().getBytes(StandardCharsets.UTF_8));
            while (out.hasRemaining()) {
                ch.write(out);
            }
            InputStream in = Channels.newInputStream(ch);
            String answer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int eol = answer.indexOf('\n');
            String status = eol < 0 ? answer.trim() : answer.substring(0, eol).trim();
            if (!"0".equals(status)) {
                throw new IOException("jcmd " + command + " in JVM " + pid + " failed (" + status + "): " + answer);
            }
            return eol < 0 ? "" : answer.substring(eol + 1);
        }
    }
}
