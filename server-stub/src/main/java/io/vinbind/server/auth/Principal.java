package io.vinbind.server.auth;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Who is calling, as the credential says: its name is the operator recorded in the history, never a field a
 * request body chooses.
 *
 * @param name the credential's name
 * @param role what it may do
 */
public record Principal(String name, Role role) {

    /** Credential names: what appears in the history as {@code http:<name>}. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@+-]{1,64}");

    public Principal {
        Objects.requireNonNull(name, "name");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("credential name '" + name + "' must be 1-64 characters A-Z a-z 0-9 . _ @ + -");
        }
        Objects.requireNonNull(role, "role");
    }
}
