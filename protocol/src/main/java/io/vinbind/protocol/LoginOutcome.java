package io.vinbind.protocol;

/** The server's answer to a login. */
public enum LoginOutcome {
    /** The IMSI is registered; bind requests from it are now accepted. */
    ACCEPTED,
    /** Refused; the ack's {@link ReasonCode} says why. */
    REJECTED
}
