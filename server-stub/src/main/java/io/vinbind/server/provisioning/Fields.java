package io.vinbind.server.provisioning;

import io.vinbind.log.Untrusted;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/** Field checks shared by the catalog's records; each failure names the field. */
final class Fields {

    /** Ids of models and rules: what a URL path segment carries without escaping. */
    static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private Fields() {
    }

    static String id(String field, String value) {
        if (value == null || !ID.matcher(value).matches()) {
            throw new InvalidDefinitionException(field, "'" + shown(value) + "' is not 1-64 characters A-Z a-z 0-9 . _ -");
        }
        return value;
    }

    /** Printable text of 1..max characters without control characters. */
    static String text(String field, String value, int max) {
        if (value == null || value.isBlank()) {
            throw new InvalidDefinitionException(field, "is required");
        }
        if (value.length() > max) {
            throw new InvalidDefinitionException(field, "has " + value.length() + " characters, at most " + max);
        }
        if (value.chars().anyMatch(Character::isISOControl)) {
            throw new InvalidDefinitionException(field, "'" + shown(value) + "' holds control characters");
        }
        return value;
    }

    static int range(String field, int value, int min, int max) {
        if (value < min || value > max) {
            throw new InvalidDefinitionException(field, value + " is outside " + min + ".." + max);
        }
        return value;
    }

    static <T> List<T> list(String field, List<T> value, int max) {
        Objects.requireNonNull(value, field);
        if (value.size() > max) {
            throw new InvalidDefinitionException(field, "has " + value.size() + " entries, at most " + max);
        }
        return List.copyOf(value);
    }

    static String shown(String value) {
        if (value == null) {
            return "null";
        }
        return Untrusted.escape(value);
    }
}
