package io.vinbind.server;

/** The server could not start; the message names the part (database, broker, MQTT, HTTP) and why. */
public final class ServerStartException extends Exception {

    public ServerStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
