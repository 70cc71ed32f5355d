package io.vinbind.esim.rsp;

/**
 * The subject code / reason code pairs the SM-DP+ simulator answers with in
 * {@code header.functionExecutionStatus.statusCodeData} (SGP.22 §5.2.6 and the ES2+/ES9+ function tables;
 * the values marked "test SM-DP+" are those a public test SM-DP+ returns, as the reference lists them).
 */
public enum StatusCode {
    /** A mandatory field is missing (subject 1.2 data, reason 1.1 mandatory element missing). */
    MANDATORY_ELEMENT_MISSING("1.2", "1.1", "a mandatory element is missing"),
    /** A field has an invalid value or is not decodable (subject 1.2 data, reason 2.1 invalid). */
    INVALID_ELEMENT("1.2", "2.1", "an element is invalid"),
    /** The caller of ES2+ is not authorised (1.1 function requester / 2.2 not allowed). */
    NOT_AUTHORISED("1.1", "2.2", "function requester not allowed"),
    /** Test SM-DP+: the eUICC's or server's signature does not verify. */
    INVALID_SIGNATURE("8.1", "6.1", "signature verification failed"),
    /** The EID of the eUICC is not the one the order is for. */
    EID_MISMATCH("8.1.1", "3.10", "EID does not match the order"),
    /** Test SM-DP+: the EUM certificate is invalid. */
    EUM_CERTIFICATE_INVALID("8.1.2", "6.1", "EUM certificate invalid"),
    /** Test SM-DP+: the eUICC certificate chain is invalid. */
    EUICC_CERTIFICATE_INVALID("8.1.3", "6.1", "eUICC certificate invalid"),
    /** Test SM-DP+: the EID is outside the EUM's permitted range. */
    EID_OUT_OF_RANGE("8.1.4", "6.1", "EID outside the EUM's permitted range"),
    /** The ICCID is not in the inventory. */
    ICCID_UNKNOWN("8.2.1", "3.1", "unknown ICCID"),
    /** The profile is not available (already allocated, or in a state the function cannot use). */
    PROFILE_UNAVAILABLE("8.2.1", "3.7", "profile not available"),
    /** The profile is not released for download yet. */
    PROFILE_NOT_RELEASED("8.2.1", "3.3", "profile not released"),
    /** No available profile of the requested type. */
    PROFILE_TYPE_UNAVAILABLE("8.2.5", "3.7", "no profile of this type available"),
    /** Test SM-DP+: the matchingId is refused. */
    MATCHING_ID_REFUSED("8.2.6", "3.8", "matchingId refused"),
    /** The matchingId is already used by another order. */
    MATCHING_ID_IN_USE("8.2.6", "3.3", "matchingId already in use"),
    /** A confirmation code is required and missing. */
    CONFIRMATION_CODE_MISSING("8.2.7", "2.2", "confirmation code missing"),
    /** The confirmation code is wrong. */
    CONFIRMATION_CODE_REFUSED("8.2.7", "3.8", "confirmation code refused"),
    /** Too many wrong confirmation codes. */
    CONFIRMATION_CODE_RETRIES_EXCEEDED("8.2.7", "6.4", "maximum number of confirmation code attempts exceeded"),
    /** Test SM-DP+: the eUICC named an SM-DP+ address that is not this one. */
    WRONG_SMDP_ADDRESS("8.8.1", "3.8", "SM-DP+ address refused"),
    /** Test SM-DP+: none of the eUICC's CI key identifiers is supported. */
    CI_NOT_SUPPORTED("8.8.2", "3.1", "none of the eUICC's CI public key identifiers is supported"),
    /** The download order expired. */
    ORDER_EXPIRED("8.8.5", "4.10", "download order expired"),
    /** The eUICC refused the server (an error in AuthenticateServerResponse / PrepareDownloadResponse). */
    EUICC_REFUSED("8.1", "4.2", "the eUICC returned an error"),
    /** Test SM-DP+: unknown (or finished) transactionId. */
    TRANSACTION_UNKNOWN("8.10.1", "3.9", "unknown transactionId"),
    /** Something failed inside the SM-DP+. */
    EXECUTION_ERROR("8.1", "4.2", "execution error");

    private final String subjectCode;
    private final String reasonCode;
    private final String text;

    StatusCode(String subjectCode, String reasonCode, String text) {
        this.subjectCode = subjectCode;
        this.reasonCode = reasonCode;
        this.text = text;
    }

    public String subjectCode() {
        return subjectCode;
    }

    public String reasonCode() {
        return reasonCode;
    }

    public String text() {
        return text;
    }
}
