package io.vinbind.esim.crypto;

/**
 * A protected TLV of a bound profile package failed its SCP03t check. {@link #securityError()} tells a MAC
 * mismatch (SGP.22 errorReason scp03tSecurityError, 8) from a malformed TLV or padding
 * (scp03tStructureError, 7).
 */
public final class Scp03tException extends Exception {

    private final boolean securityError;

    Scp03tException(boolean securityError, String message) {
        super(message);
        this.securityError = securityError;
    }

    /** True for a MAC that does not verify, false for a structure (tag, length, padding) problem. */
    public boolean securityError() {
        return securityError;
    }
}
