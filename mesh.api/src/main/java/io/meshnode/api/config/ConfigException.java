package io.meshnode.api.config;

/**
 * A configuration value that cannot be used. The message names the source (the {@code etc/*.cfg} file
 * when the value came from one, otherwise the configuration PID), the key, the rejected value and what
 * would be accepted, so that an operator can fix it without reading code.
 * <p>
 * Components that receive an invalid configuration log this message and keep their last good
 * configuration; they never deactivate because of it.
 */
public final class ConfigException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String source;
    private final String key;

    /**
     * @param source the file or PID the value came from
     * @param key the configuration key
     * @param value the rejected value, as given
     * @param expected what would have been accepted
     */
    public ConfigException(String source, String key, Object value, String expected) {
        super(source + ": " + key + " = '" + value + "' is invalid: " + expected);
        this.source = source;
        this.key = key;
    }

    /** @return the file or PID the rejected value came from */
    public String source() {
        return source;
    }

    /** @return the rejected key */
    public String key() {
        return key;
    }
}
