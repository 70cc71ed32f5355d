package io.vinbind.can.uds;

import io.vinbind.can.CanException;

/** A UDS request failed (timeout, transport, unexpected answer); the message names the request. */
public class UdsException extends CanException {
    public UdsException(String message) {
        super(message);
    }

    public UdsException(String message, Throwable cause) {
        super(message, cause);
    }
}
