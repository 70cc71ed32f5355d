package io.vinbind.terminal.config;

import java.util.Objects;

/** A configuration value the terminal refuses, naming the key, the value and what is expected. */
public final class ConfigException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String key;
    private final String value;
    private final String expected;

    public ConfigException(String key, String value, String expected) {
        super(value == null ? key + " is missing: expected " + expected
                : key + " = '" + value + "' is not valid: expected " + expected);
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
}
