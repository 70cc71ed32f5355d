package io.vinbind.server.broker;

/** The embedded broker could not be started; the message says where and why. */
public final class BrokerStartException extends Exception {

    public BrokerStartException(String message) {
        super(message);
    }

    public BrokerStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
