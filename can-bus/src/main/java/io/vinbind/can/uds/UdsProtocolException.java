package io.vinbind.can.uds;

/** The ECU answered something that is not an answer to our request (wrong SID or DID, too short). */
public class UdsProtocolException extends UdsException {
    public UdsProtocolException(String message) {
        super(message);
    }
}
