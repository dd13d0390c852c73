package io.meshnode.itest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;

import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;

/** One command over an SSH console session, as {@code ssh … COMMAND} runs it: what it printed, and its exit status. */
public record SshCommand(String out, String err, Integer status) {
    public static SshCommand run(ClientSession session, String command, Duration timeout) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (ChannelExec channel = session.createExecChannel(command)) {
            channel.setOut(out);
            channel.setErr(err);
            channel.open().verify(timeout);
            channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), timeout);
            return new SshCommand(out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8),
                channel.getExitStatus());
        }
    }
}
