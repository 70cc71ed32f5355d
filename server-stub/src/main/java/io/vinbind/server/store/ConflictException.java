package io.vinbind.server.store;

/**
 * A transaction kept colliding with concurrent ones (deadlock, serialization failure, lock timeout or a
 * unique constraint raced) and gave up after its bounded retries. Retrying later can succeed.
 */
public final class ConflictException extends StoreException {

    public ConflictException(String message, Throwable cause) {
        super(message, cause);
    }
}
