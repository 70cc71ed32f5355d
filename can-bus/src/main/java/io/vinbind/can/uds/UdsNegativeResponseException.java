package io.vinbind.can.uds;

/**
 * Thrown by convenience calls such as {@link UdsClient#readVin()} that promise a value, when the ECU
 * refused. Calls returning {@link DidReadResult} give the {@link NegativeResponse} as a value instead.
 */
public class UdsNegativeResponseException extends UdsException {
    private final NegativeResponse response;

    public UdsNegativeResponseException(String request, NegativeResponse response) {
        super(request + ": ECU answered " + response);
        this.response = response;
    }

    public NegativeResponse response() {
        return response;
    }
}
