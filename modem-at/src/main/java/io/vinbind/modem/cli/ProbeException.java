package io.vinbind.modem.cli;

/** The probe could not produce a result; carries the exit code and a one-line reason. */
final class ProbeException extends Exception {

    private final int exitCode;

    ProbeException(int exitCode, String reason, Throwable cause) {
        super(reason, cause);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
