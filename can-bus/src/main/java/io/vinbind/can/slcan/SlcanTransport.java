package io.vinbind.can.slcan;

import java.io.IOException;

/**
 * The byte pipe an SLCAN adapter sits behind: a serial port in production ({@link SlcanChannel#open}),
 * anything else in tests. Reads wait briefly (about 100 ms) so a reader thread can notice a close.
 */
public interface SlcanTransport extends AutoCloseable {

    /** Reads what arrived, waiting up to about 100 ms; returns 0 when nothing did. */
    int read(byte[] buffer) throws IOException;

    /** Writes all bytes. */
    void write(byte[] bytes) throws IOException;

    /** Port name for logs. */
    String description();

    @Override
    void close();
}
