package io.vinbind.can;

import java.io.IOException;

/**
 * Base of every failure on the CAN side (transport I/O, ISO-TP, UDS). Checked, so callers that read a
 * VIN have to decide what a failed read means for them; protocol <em>outcomes</em> such as a UDS
 * negative response are values, not exceptions.
 */
public class CanException extends IOException {
    public CanException(String message) {
        super(message);
    }

    public CanException(String message, Throwable cause) {
        super(message, cause);
    }
}
