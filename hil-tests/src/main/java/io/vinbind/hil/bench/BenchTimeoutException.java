package io.vinbind.hil.bench;

/** A bounded wait on the bench ended without the awaited outcome; the message says what was seen instead. */
public final class BenchTimeoutException extends BenchException {

    private static final long serialVersionUID = 1L;

    public BenchTimeoutException(String message) {
        super(message);
    }
}
