package io.vinbind.protocol;

/** A record component got a value the contract does not allow; names the field for the codec's error. */
final class InvalidFieldException extends IllegalArgumentException {

    private final String field;

    InvalidFieldException(String field, String message) {
        super(message);
        this.field = field;
    }

    String field() {
        return field;
    }
}
