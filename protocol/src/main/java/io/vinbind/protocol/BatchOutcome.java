package io.vinbind.protocol;

/** How an {@link EsimBatch} went on the terminal, as reported in its {@link EsimResult}. */
public enum BatchOutcome {
    /** Every APDU went to the card; a response for each. */
    COMPLETED,
    /** The {@link StopRule} ended the batch: the responses up to and including the one that stopped it. */
    STOPPED,
    /**
     * The batch started and broke (modem error, deadline, power OFF, a crash before its result was stored): the
     * responses that arrived; APDUs after them may or may not have reached the card. Stored like the others: the
     * batch is never run again, whatever the broker redelivers.
     */
    FAILED,
    /**
     * Nothing of the batch reached the card (modem busy, card absent, power OFF, out of order, malformed).
     * Nothing is stored: the same batch may be sent again once the cause is gone.
     */
    REFUSED;

    /** True when the batch ran (and its result is stored on the terminal). */
    public boolean ran() {
        return this != REFUSED;
    }
}
