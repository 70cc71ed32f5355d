package io.vinbind.protocol;

import java.util.Objects;
import java.util.Optional;

/**
 * A payload or topic does not follow the contract. Names the {@link Problem}, the field concerned (when
 * there is one) and, when it could be read from a payload that was otherwise refused, the requestId, so
 * the server can still answer with a reason code.
 */
public final class ProtocolException extends Exception {

    /** What was wrong; {@link #reasonCode()} maps it to the code sent back in an ack. */
    public enum Problem {
        /** More bytes than {@link Protocol#MAX_PAYLOAD_BYTES}. */
        TOO_LARGE(ReasonCode.PAYLOAD_TOO_LARGE),
        /** Not UTF-8 JSON, not a single JSON object, or trailing content. */
        MALFORMED_JSON(ReasonCode.MALFORMED_PAYLOAD),
        /** A field the message type does not define. */
        UNKNOWN_FIELD(ReasonCode.MALFORMED_PAYLOAD),
        /** A required field is absent or {@code null}. */
        MISSING_FIELD(ReasonCode.MALFORMED_PAYLOAD),
        /** A field has the wrong JSON type (e.g. a number where a string belongs). */
        WRONG_TYPE(ReasonCode.MALFORMED_PAYLOAD),
        /** A field has the right type but a value the contract does not allow. */
        INVALID_VALUE(ReasonCode.MALFORMED_PAYLOAD),
        /** The {@code version} field names a version this code does not speak. */
        UNSUPPORTED_VERSION(ReasonCode.UNSUPPORTED_VERSION),
        /** The topic is not a vinbind topic. No reply is possible. */
        BAD_TOPIC(ReasonCode.MALFORMED_PAYLOAD);

        private final ReasonCode reasonCode;

        Problem(ReasonCode reasonCode) {
            this.reasonCode = reasonCode;
        }

        public ReasonCode reasonCode() {
            return reasonCode;
        }
    }

    private final Problem problem;
    private final String field;
    private final String requestId;

    ProtocolException(Problem problem, String field, String requestId, String message, Throwable cause) {
        // parser messages quote the offending input (Jackson: "Unrecognized token 'tru<ESC>[31m'") and both
        // sides log these messages, so no refusal may carry a control character
        super(message == null ? null : Identifiers.escaped(message), cause);
        this.problem = Objects.requireNonNull(problem, "problem");
        this.field = field;
        this.requestId = requestId;
    }

    static ProtocolException badTopic(String topic, String why) {
        return new ProtocolException(Problem.BAD_TOPIC, null, null,
            "topic '" + (topic == null ? "null" : Identifiers.printable(topic)) + "' " + why, null);
    }

    public Problem problem() {
        return problem;
    }

    /** The field concerned, when the problem is about one field. */
    public Optional<String> field() {
        return Optional.ofNullable(field);
    }

    /** The requestId, when the refused payload still carried a well-formed one (so a reply is possible). */
    public Optional<String> requestId() {
        return Optional.ofNullable(requestId);
    }

    /** The reason code to send back in an ack. */
    public ReasonCode reasonCode() {
        return problem.reasonCode();
    }

    /** A copy of this exception that carries the requestId recovered from the refused payload. */
    ProtocolException withRequestId(String recovered) {
        ProtocolException copy = new ProtocolException(problem, field, recovered, getMessage(), getCause());
        copy.setStackTrace(getStackTrace());
        return copy;
    }
}
