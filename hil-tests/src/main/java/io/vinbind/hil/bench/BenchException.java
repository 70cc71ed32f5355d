package io.vinbind.hil.bench;

/** A bench part could not be started, controlled or observed; the message names the part and the cause. */
public class BenchException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public BenchException(String message, Throwable cause) {
        super(message, cause);
    }

    public BenchException(String message) {
        super(message);
    }
}
