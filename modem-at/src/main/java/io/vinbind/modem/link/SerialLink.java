package io.vinbind.modem.link;

import java.io.IOException;
import java.time.Duration;

/**
 * A byte pipe to a serial device (a modem's AT port, a pty, or an in-memory peer).
 *
 * <p>The AT engine depends only on this interface, never on jSerialComm, so the same engine runs against
 * a real {@code /dev/ttyUSB2}, a socat pty pair and an {@link InMemoryLinkPair} in tests.
 *
 * <p>Reads are bounded: {@link #read(byte[], Duration)} returns 0 when nothing arrived within the timeout
 * and throws {@link LinkClosedException} when the link is closed or the device vanished (a USB modem that
 * resets drops its ttyUSB node), so a caller can tell "quiet" from "gone". One reader thread and any
 * number of writer threads may use a link concurrently.
 */
public interface SerialLink extends AutoCloseable {

    /** A human-readable name for logs and exception messages, e.g. the port path. */
    String name();

    /**
     * Writes all bytes (the array is not retained).
     *
     * @throws LinkClosedException if the link is closed or the device vanished
     * @throws IOException         on any other write failure
     */
    void write(byte[] data) throws IOException;

    /**
     * Reads whatever arrived, waiting at most {@code timeout} for the first byte.
     *
     * @return the number of bytes placed into {@code buffer}, 0 if nothing arrived within the timeout
     * @throws LinkClosedException if the link is closed or the device vanished
     */
    int read(byte[] buffer, Duration timeout) throws IOException;

    /** True until {@link #close()} was called or the device was found gone. */
    boolean isOpen();

    /** Closes the link; idempotent; a blocked {@link #read} returns promptly with {@link LinkClosedException}. */
    @Override
    void close();
}
