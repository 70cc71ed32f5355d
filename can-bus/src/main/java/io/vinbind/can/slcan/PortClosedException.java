package io.vinbind.can.slcan;

import java.io.IOException;

/** The serial port was closed on purpose (JVM shutdown), not lost: a reader stops quietly. */
final class PortClosedException extends IOException {
    PortClosedException(String message) {
        super(message);
    }
}
