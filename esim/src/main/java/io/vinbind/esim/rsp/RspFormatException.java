package io.vinbind.esim.rsp;

/** A JSON payload of ES2+ or ES9+ that does not follow SGP.22: names the field and the status code to answer. */
public final class RspFormatException extends Exception {

    private final StatusCode code;

    public RspFormatException(StatusCode code, String message) {
        super(message);
        this.code = code;
    }

    public StatusCode code() {
        return code;
    }
}
