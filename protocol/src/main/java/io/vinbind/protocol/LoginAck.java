package io.vinbind.protocol;

/**
 * Server → terminal on {@code vinbind/v1/{imsi}/login/ack}.
 *
 * @param version protocol version
 * @param requestId the login's requestId
 * @param imsi the IMSI of the topic the login arrived on
 * @param outcome accepted or rejected
 * @param reason {@link ReasonCode#NONE} when accepted, otherwise why not
 */
public record LoginAck(int version, String requestId, String imsi, LoginOutcome outcome, ReasonCode reason)
    implements Message {

    public LoginAck {
        Checks.version(version);
        Identifiers.requireRequestId(requestId);
        Identifiers.requireImsi(imsi);
        Checks.notNull(outcome, "outcome");
        Checks.reasonMatches(outcome.name(), outcome == LoginOutcome.ACCEPTED, reason, null);
    }

    public static LoginAck accepted(String requestId, String imsi) {
        return new LoginAck(Protocol.VERSION, requestId, imsi, LoginOutcome.ACCEPTED, ReasonCode.NONE);
    }

    public static LoginAck rejected(String requestId, String imsi, ReasonCode reason) {
        return new LoginAck(Protocol.VERSION, requestId, imsi, LoginOutcome.REJECTED, reason);
    }

    @Override
    public MessageType type() {
        return MessageType.LOGIN_ACK;
    }
}
