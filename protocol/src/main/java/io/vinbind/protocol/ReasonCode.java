package io.vinbind.protocol;

/**
 * Why a login or bind was refused or held. Every ack carries one; {@link #NONE} for a success.
 *
 * <p>{@link #isRetryable()} tells a terminal whether trying again (later, with backoff) can help without
 * anything else changing; the others need a person (registry, VIN, operator) or a software fix.
 */
public enum ReasonCode {
    /** No problem: the outcome is a success. */
    NONE(false),
    /** Not JSON, not an object, a missing or unknown field, a wrong type or an out-of-range value. */
    MALFORMED_PAYLOAD(false),
    /** Larger than {@link Protocol#MAX_PAYLOAD_BYTES}. */
    PAYLOAD_TOO_LARGE(false),
    /** A {@code version} this server does not speak. */
    UNSUPPORTED_VERSION(false),
    /** The terminal id in the payload differs from the terminal id in the topic it was published on. */
    IDENTITY_MISMATCH(false),
    /**
     * The identities contradict what the server knows — the IMSI is held by another terminal, or the ICCID or
     * IMEI differs from the factory registry — and the deployment's identity policy refuses that.
     */
    IDENTITY_CONFLICT(false),
    /** As {@link #IDENTITY_CONFLICT}, but the policy holds it for an operator: retry after approval. */
    IDENTITY_HELD(true),
    /** The terminal's credential was revoked. */
    TERMINAL_REVOKED(false),
    /** The IMSI is not in the factory registry. */
    UNKNOWN_IMSI(false),
    /** A bind from a terminal that has no accepted login with that IMSI: log in first. */
    NOT_LOGGED_IN(true),
    /** The VIN's syntax or check digit is wrong (ISO 3779; see {@link Vin}). */
    INVALID_VIN(false),
    /** The deployment's rebind policy is {@code reject}: an existing binding is only changed by after-sales. */
    REBIND_REJECTED(false),
    /** The deployment's rebind policy is {@code hold}: the rebind waits for an operator's approval. */
    REBIND_HELD(true),
    /** An operator rejected the held rebind. */
    REBIND_DENIED(false),
    /**
     * Another request for the same IMSI or VIN is being decided at this moment (possibly on another server
     * instance); this one could not be decided within the server's bounded wait.
     */
    CONFLICT_RETRY(true),
    /** The server failed internally (e.g. database unavailable); nothing was changed. */
    SERVER_ERROR(true);

    private final boolean retryable;

    ReasonCode(boolean retryable) {
        this.retryable = retryable;
    }

    /** Whether retrying later, with nothing else changed, can succeed. */
    public boolean isRetryable() {
        return retryable;
    }
}
