package io.vinbind.terminal.config;

import io.vinbind.log.Untrusted;
import java.util.Objects;

/**
 * A configuration value the terminal refuses, naming the key, the value and what is expected. Key and value
 * are shown escaped in the message (a byte order mark, a zero-width space or a control character in the file
 * must be visible in the one line the daemon leaves in the journal); {@link #key()} and {@link #value()}
 * keep them as read.
 */
public final class ConfigException extends Exception {

    private static final long serialVersionUID = 1L;

    /** Characters of a value shown in a message: a long path fits, a runaway line does not. */
    static final int SHOWN = 200;

    private final String key;
    private final String value;
    private final String expected;

    public ConfigException(String key, String value, String expected) {
        super(value == null ? printable(key) + " is missing: expected " + expected
                : printable(key) + " = '" + printable(value) + "' is not valid: expected " + expected);
        this.key = Objects.requireNonNull(key, "key");
        this.value = value;
        this.expected = Objects.requireNonNull(expected, "expected");
    }

    public String key() {
        return key;
    }

    /** The refused value, or null when the key was missing. */
    public String value() {
        return value;
    }

    public String expected() {
        return expected;
    }

    /** Untrusted text from the configuration file, escaped for a message. */
    static String printable(String text) {
        return Untrusted.escape(text, SHOWN);
    }
}
