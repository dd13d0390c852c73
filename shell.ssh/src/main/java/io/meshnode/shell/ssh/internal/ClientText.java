package io.meshnode.shell.ssh.internal;

import io.meshnode.api.config.ConfigValues;

/**
 * The one door through which text a client chose (a user name, an authorized_keys option) reaches the log:
 * control characters escaped, so that nobody forges a log line, and the length capped.
 */
final class ClientText {
    static final int MAX = 64;

    private ClientText() {}

    /** @return the text quoted as it may be logged, e.g. {@code 'root\u000aINFO…'} */
    static String of(String text) {
        if (text == null) {
            return "(none)";
        }
        String t = text.length() > MAX ? text.substring(0, MAX) + "…(" + text.length() + " chars)" : text;
        return "'" + ConfigValues.printable(t) + "'";
    }
}
