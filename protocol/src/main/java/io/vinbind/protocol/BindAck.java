package io.vinbind.protocol;

/**
 * Server → terminal on {@code vinbind/v2/{terminalId}/bind/ack}. A terminal accepts an ack only when its
 * {@code requestId}, {@code vin}, {@code imsi} and {@code terminalId} all equal what it sent, and clears its
 * VIN-request flag only when {@link BindOutcome#isBound()} as well.
 *
 * @param version protocol version
 * @param requestId the bind request's requestId
 * @param terminalId the terminal id of the topic the request arrived on
 * @param imsi the IMSI the request named (empty when a refused payload carried no readable one)
 * @param vin the VIN of the request, verbatim (may be invalid when the outcome is REJECTED with
 *     {@link ReasonCode#INVALID_VIN}, and empty when a REJECTED request carried no readable VIN)
 * @param outcome what the server did
 * @param reason {@link ReasonCode#NONE} for BOUND / ALREADY_BOUND / REBOUND,
 *     {@link ReasonCode#REBIND_HELD} for PENDING, the refusal's reason for REJECTED
 */
public record BindAck(int version, String requestId, String terminalId, String imsi, String vin,
                      BindOutcome outcome, ReasonCode reason) implements Message {

    public BindAck {
        Checks.version(version);
        Identifiers.requireRequestId(requestId);
        Identifiers.requireTerminalId(terminalId);
        Checks.notNull(outcome, "outcome");
        if (!(outcome == BindOutcome.REJECTED && "".equals(imsi))) {
            Identifiers.requireImsi(imsi);
        }
        if (!(outcome == BindOutcome.REJECTED && "".equals(vin))) {
            BindRequest.requireVinText(vin);
        }
        switch (outcome) {
            case BOUND, ALREADY_BOUND, REBOUND -> {
                Checks.reasonMatches(outcome.name(), true, reason, null);
                new Vin(vin); // a bound VIN is always syntactically valid
            }
            case PENDING -> Checks.reasonMatches(outcome.name(), false, reason, ReasonCode.REBIND_HELD);
            case REJECTED -> Checks.reasonMatches(outcome.name(), false, reason, null);
        }
    }

    /** An ack of the current {@link Protocol#VERSION} answering {@code request}. */
    public static BindAck answering(BindRequest request, BindOutcome outcome, ReasonCode reason) {
        return new BindAck(Protocol.VERSION, request.requestId(), request.terminalId(), request.imsi(), request.vin(),
            outcome, reason);
    }

    @Override
    public MessageType type() {
        return MessageType.BIND_ACK;
    }
}
