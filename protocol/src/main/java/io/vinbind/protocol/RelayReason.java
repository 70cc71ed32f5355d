package io.vinbind.protocol;

/** Why an {@link EsimBatch} ended as it did; {@link #NONE} exactly for {@link BatchOutcome#COMPLETED}. */
public enum RelayReason {
    NONE(null),
    /** {@link BatchOutcome#STOPPED}: a response with an error status word (the last response carries it). */
    STATUS_WORD(BatchOutcome.STOPPED),
    /** {@link BatchOutcome#STOPPED}: a ProfileInstallationResult (BF37) arrived before the last APDU. */
    INSTALLATION_RESULT(BatchOutcome.STOPPED),
    /** {@link BatchOutcome#FAILED}: the modem answered ERROR / +CME ERROR, or garbage, in the middle. */
    MODEM_ERROR(BatchOutcome.FAILED),
    /** {@link BatchOutcome#FAILED}: an APDU or the batch as a whole ran past its deadline. */
    TIMEOUT(BatchOutcome.FAILED),
    /** {@link BatchOutcome#FAILED} (power went OFF in the middle) or {@link BatchOutcome#REFUSED} (before it). */
    POWER_OFF(null),
    /**
     * {@link BatchOutcome#FAILED}: an earlier delivery of this batch started on the card and the terminal stopped
     * (crash, power loss) before it stored the result; it is not run again.
     */
    INTERRUPTED(BatchOutcome.FAILED),
    /** {@link BatchOutcome#REFUSED}: another user of the modem (the binding) held the AT port past the wait. */
    MODEM_BUSY(BatchOutcome.REFUSED),
    /** {@link BatchOutcome#REFUSED}: no card, or the card does not answer. */
    CARD_ABSENT(BatchOutcome.REFUSED),
    /** {@link BatchOutcome#REFUSED}: the card has no application with the batch's AID (+CME ERROR: 13, 6A82). */
    NOT_AN_EUICC(BatchOutcome.REFUSED),
    /** {@link BatchOutcome#REFUSED}: the batch's sequence is not the next of its session. */
    OUT_OF_ORDER(BatchOutcome.REFUSED),
    /** {@link BatchOutcome#REFUSED}: the payload was not a well-formed batch for this terminal. */
    MALFORMED_BATCH(BatchOutcome.REFUSED),
    /**
     * {@link BatchOutcome#REFUSED}: the terminal could not record the batch's start in its data directory, so it did
     * not run it (without that record a redelivery could reach the card twice).
     */
    TERMINAL_ERROR(BatchOutcome.REFUSED);

    private final BatchOutcome only;

    RelayReason(BatchOutcome only) {
        this.only = only;
    }

    /** Whether this reason may go with {@code outcome}. */
    public boolean fits(BatchOutcome outcome) {
        if (this == NONE) {
            return outcome == BatchOutcome.COMPLETED;
        }
        if (this == POWER_OFF) {
            return outcome == BatchOutcome.FAILED || outcome == BatchOutcome.REFUSED;
        }
        return outcome == only;
    }
}
