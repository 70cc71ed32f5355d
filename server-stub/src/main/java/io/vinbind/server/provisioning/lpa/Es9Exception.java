package io.vinbind.server.provisioning.lpa;

import java.util.Optional;

/**
 * An ES9+ call (SGP.22 §5.6) that did not succeed: the SM-DP+ refused it (functionExecutionStatus Failed or Expired,
 * with its subject and reason codes, §6.5.1.4), it could not be asked or answered HTTP 5xx (outcome unknown, worth
 * asking again), or its answer was not the function's (an HTTP 4xx, not JSON, a field missing or not base64).
 */
public final class Es9Exception extends Exception {

    /** How the call failed. */
    public enum Kind {
        /** Failed / Expired with status codes: the SM-DP+ said no. */
        REFUSED,
        /** Not reachable, timed out, or HTTP 5xx: whether it took effect is unknown; may be retried. */
        UNAVAILABLE,
        /** An answer that is not the function's: HTTP 4xx, not JSON, a field missing or malformed. */
        BAD_ANSWER
    }

    private final Kind kind;
    private final String function;
    private final Optional<String> subjectCode;
    private final Optional<String> reasonCode;
    private final String status;

    Es9Exception(Kind kind, String function, String message, String status, Optional<String> subjectCode,
                 Optional<String> reasonCode, Throwable cause) {
        super("ES9+ " + function + ": " + message, cause);
        this.kind = kind;
        this.function = function;
        this.status = status;
        this.subjectCode = subjectCode;
        this.reasonCode = reasonCode;
    }

    public Kind kind() {
        return kind;
    }

    /** The ES9+ function, e.g. {@code authenticateClient}. */
    public String function() {
        return function;
    }

    /** {@code Failed} or {@code Expired} for a refusal; otherwise what went wrong in short ({@code HTTP 503}, ...). */
    public String status() {
        return status;
    }

    /** The GSMA subject code of a refusal, e.g. {@code 8.2.6} (matchingId). */
    public Optional<String> subjectCode() {
        return subjectCode;
    }

    /** The GSMA reason code of a refusal, e.g. {@code 3.8} (refused). */
    public Optional<String> reasonCode() {
        return reasonCode;
    }

    /** A refusal that says the transactionId is unknown (8.10.1 / 3.9): the SM-DP+ holds no such session. */
    public boolean transactionUnknown() {
        return kind == Kind.REFUSED && subjectCode.filter("8.10.1"::equals).isPresent()
            && reasonCode.filter("3.9"::equals).isPresent();
    }

    /** {@code subject/reason} of a refusal, {@code -/-} without codes. */
    public String codes() {
        return subjectCode.orElse("-") + "/" + reasonCode.orElse("-");
    }
}
