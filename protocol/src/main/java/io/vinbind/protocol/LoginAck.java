package io.vinbind.protocol;

/**
 * Server → terminal on {@code vinbind/v2/{terminalId}/login/ack}.
 *
 * @param version protocol version
 * @param requestId the login's requestId
 * @param terminalId the terminal id of the topic the login arrived on
 * @param imsi the IMSI the login named (empty when a refused payload carried no readable one)
 * @param outcome accepted or rejected
 * @param reason {@link ReasonCode#NONE} when accepted, otherwise why not
 */
public record LoginAck(int version, String requestId, String terminalId, String imsi, LoginOutcome outcome,
                       ReasonCode reason) implements Message {

    public LoginAck {
        Checks.version(version);
        Identifiers.requireRequestId(requestId);
        Identifiers.requireTerminalId(terminalId);
        Checks.notNull(outcome, "outcome");
        if (!(outcome == LoginOutcome.REJECTED && "".equals(imsi))) {
            Identifiers.requireImsi(imsi);
        }
        Checks.reasonMatches(outcome.name(), outcome == LoginOutcome.ACCEPTED, reason, null);
    }

    public static LoginAck accepted(String requestId, String terminalId, String imsi) {
        return new LoginAck(Protocol.VERSION, requestId, terminalId, imsi, LoginOutcome.ACCEPTED, ReasonCode.NONE);
    }

    public static LoginAck rejected(String requestId, String terminalId, String imsi, ReasonCode reason) {
        return new LoginAck(Protocol.VERSION, requestId, terminalId, imsi, LoginOutcome.REJECTED, reason);
    }

    @Override
    public MessageType type() {
        return MessageType.LOGIN_ACK;
    }
}
