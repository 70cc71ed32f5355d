package io.vinbind.server.relay;

/** No result came back for a batch after all attempts: the terminal is offline, powered OFF or unreachable. */
public final class RelayTimeoutException extends Exception {
    public RelayTimeoutException(String message) {
        super(message);
    }
}
