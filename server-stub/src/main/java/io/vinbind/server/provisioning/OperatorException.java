package io.vinbind.server.provisioning;

import java.util.Optional;

/**
 * An ES2+ call that did not succeed: the operator platform refused it (SGP.22 §5.3: FunctionExecutionStatus
 * Failed or Expired, with its subject and reason codes), or it could not be asked or its answer not read
 * (unreachable, timed out, HTTP error, a body that is not the function's JSON) — then whether the call took
 * effect is unknown.
 */
public final class OperatorException extends Exception {

    /** Refused (the platform answered no) or unavailable (outcome unknown). */
    public enum Kind { REFUSED, UNAVAILABLE }

    private final Kind kind;
    private final String function;
    private final Optional<String> subjectCode;
    private final Optional<String> reasonCode;

    OperatorException(Kind kind, String function, String message, Optional<String> subjectCode,
                      Optional<String> reasonCode, Throwable cause) {
        super(function + ": " + message, cause);
        this.kind = kind;
        this.function = function;
        this.subjectCode = subjectCode;
        this.reasonCode = reasonCode;
    }

    public Kind kind() {
        return kind;
    }

    /** The ES2+ function, e.g. {@code downloadOrder}. */
    public String function() {
        return function;
    }

    /** The GSMA subject code of a refusal, e.g. {@code 8.2.1} (Profile ICCID). */
    public Optional<String> subjectCode() {
        return subjectCode;
    }

    /** The GSMA reason code of a refusal, e.g. {@code 3.9} (unknown). */
    public Optional<String> reasonCode() {
        return reasonCode;
    }
}
