package io.vinbind.protocol;

/**
 * Terminal → server on {@code vinbind/v2/{terminalId}/login}: "this terminal is online with this modem".
 * The server accepts it only for an IMSI registered at the factory, and checks the identities against what
 * it knows: a known terminal with a new IMSI is a modem replacement; an IMSI another terminal holds, or an
 * ICCID/IMEI that contradicts the registry, goes through the deployment's identity policy.
 *
 * @param version protocol version ({@link Protocol#VERSION})
 * @param requestId id of this attempt, echoed in the ack; a retransmission reuses it
 * @param terminalId the terminal's id (its certificate's CN); must equal the topic's
 * @param imsi the SIM's IMSI (AT+CIMI)
 * @param iccid the SIM's ICCID (AT+QCCID / AT+CCID)
 * @param imei the modem's IMEI (AT+CGSN)
 */
public record LoginRequest(int version, String requestId, String terminalId, String imsi, String iccid,
                           String imei) implements Message {

    public LoginRequest {
        Checks.version(version);
        Identifiers.requireRequestId(requestId);
        Identifiers.requireTerminalId(terminalId);
        Identifiers.requireImsi(imsi);
        Identifiers.requireIccid(iccid);
        Identifiers.requireImei(imei);
    }

    /** A request of the current {@link Protocol#VERSION}. */
    public static LoginRequest of(String requestId, String terminalId, String imsi, String iccid, String imei) {
        return new LoginRequest(Protocol.VERSION, requestId, terminalId, imsi, iccid, imei);
    }

    @Override
    public MessageType type() {
        return MessageType.LOGIN;
    }
}
