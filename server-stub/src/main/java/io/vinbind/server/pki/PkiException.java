package io.vinbind.server.pki;

import java.util.Objects;

/**
 * A certificate, key, CRL or PKI directory is not what it must be; the message names the file or certificate
 * and says exactly what is wrong, and {@link #reason()} classifies it (an MQTT authenticator maps it to a
 * CONNACK reason code, a command line to its exit code).
 */
public final class PkiException extends Exception {

    /** What kind of problem it is. */
    public enum Reason {
        /** Issued by a CA that is not trusted (a foreign CA), or no issuer in the chain is trusted. */
        UNKNOWN_ISSUER,
        /** The certificate's notAfter has passed. */
        EXPIRED,
        /** The certificate's notBefore has not come yet. */
        NOT_YET_VALID,
        /** The certificate's serial is revoked. */
        REVOKED,
        /** Key usage, extended key usage or CA flag do not allow this use (e.g. a terminal certificate as a server). */
        WRONG_USAGE,
        /** Subject (CN, OU) does not fit the identity model, or the identity's kind does not fit its CA. */
        NOT_IN_MODEL,
        /** The chain does not validate for another reason (signature, path constraints). */
        INVALID_CHAIN,
        /** A file is missing, unreadable, not PEM, of the wrong type, encrypted, or readable by others. */
        FILE,
        /** The PKI directory is not in the state the operation needs (a CA exists already, a CA key is absent). */
        STATE
    }

    private final Reason reason;

    public PkiException(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public PkiException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public Reason reason() {
        return reason;
    }
}
