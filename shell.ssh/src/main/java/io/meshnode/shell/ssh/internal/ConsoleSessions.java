package io.meshnode.shell.ssh.internal;

import org.apache.felix.gogo.jline.Shell;
import org.apache.felix.service.command.CommandProcessor;
import org.osgi.service.log.Logger;

/** What every remote session needs: the Gogo processor, the shell's context, the log. */
final class ConsoleSessions {
    final CommandProcessor processor;
    final Shell.Context context;
    final Logger log;

    ConsoleSessions(CommandProcessor processor, Shell.Context context, Logger log) {
        this.processor = processor;
        this.context = context;
        this.log = log;
    }
}
