package io.vinbind.terminal.daemon;

/** The daemon could not start: names the resource (data directory, CAN channel, modem port) and why. */
public final class TerminalStartException extends Exception {

    private static final long serialVersionUID = 1L;

    public TerminalStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
