package io.vinbind.protocol;

/**
 * What ends a batch before its last APDU. The terminal stops at the first response that the server would have to
 * look at before sending anything more, so that no APDU reaches the card that the LPA logic would not have sent.
 */
public enum StopRule {
    /**
     * A status word other than 9000 or 91xx (ETSI TS 102 221 §10.2.1: normal ending; 61xx is followed up with GET
     * RESPONSE by the terminal and never seen by the server). STORE DATA blocks of one ES10 command (SGP.22 §5.7.2)
     * each answer 9000 until the last.
     */
    ERROR_STATUS,
    /**
     * {@link #ERROR_STATUS}, and a response whose data is a ProfileInstallationResult (tag BF37, SGP.22 §5.7.6): the
     * eUICC ends a bound profile package early with it when a segment fails, so the rest must not be sent.
     */
    ERROR_STATUS_OR_INSTALLATION_RESULT
}
