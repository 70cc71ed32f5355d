package io.vinbind.server.provisioning;

/**
 * A device model, configuration rule or order that is not acceptable, naming the field and what is expected. An
 * {@link IllegalArgumentException}, so the HTTP API answers it with 400 and its message.
 */
public final class InvalidDefinitionException extends IllegalArgumentException {

    private final String field;

    public InvalidDefinitionException(String field, String message) {
        super(field + ": " + message);
        this.field = field;
    }

    /** The field that was wrong, e.g. {@code blockSize} or {@code [3].tacs}. */
    public String field() {
        return field;
    }
}
