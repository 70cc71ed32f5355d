package io.vinbind.server.store;

/** A database operation failed; the message names the operation. Nothing of that transaction was committed. */
public class StoreException extends Exception {

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
