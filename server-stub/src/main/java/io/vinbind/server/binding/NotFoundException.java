package io.vinbind.server.binding;

/** An operation named something that does not exist (a held rebind id, a binding). */
public final class NotFoundException extends Exception {
    public NotFoundException(String message) {
        super(message);
    }
}
