package io.vinbind.protocol;

/**
 * The server's answer to a bind request (rules in DESIGN.md "Binding rules").
 *
 * <p>{@link #BOUND}, {@link #ALREADY_BOUND} and {@link #REBOUND} mean the server now holds exactly the
 * acked IMSI ↔ VIN pair: a terminal clears its VIN-request flag on one of them (and only when the ack's
 * requestId, VIN and IMSI match what it sent). {@link #PENDING} and {@link #REJECTED} leave the flag set.
 */
public enum BindOutcome {
    /** The IMSI was unbound and is now bound to the VIN. */
    BOUND,
    /** The IMSI was already bound to this VIN; nothing changed (uploads are idempotent). */
    ALREADY_BOUND,
    /** The IMSI was bound to another VIN (or the VIN to another IMSI); the old pair was released. */
    REBOUND,
    /**
     * The rebind is held for an operator's approval (deployment policy {@code hold}); nothing changed yet.
     * The reason is {@link ReasonCode#REBIND_HELD}. When the operator decides, the server publishes a new
     * bind-ack with the same requestId ({@code REBOUND}, or {@code REJECTED} with
     * {@link ReasonCode#REBIND_DENIED}); a terminal may also simply retry later with a new requestId.
     */
    PENDING,
    /** Refused; nothing changed; the ack's {@link ReasonCode} says why. */
    REJECTED;

    /** True when the server holds the acked pair, i.e. the terminal may clear its VIN-request flag. */
    public boolean isBound() {
        return this == BOUND || this == ALREADY_BOUND || this == REBOUND;
    }
}
