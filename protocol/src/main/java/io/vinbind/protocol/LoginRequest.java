package io.vinbind.protocol;

/**
 * Terminal → server on {@code vinbind/v1/{imsi}/login}: "this modem identity is online". The server
 * accepts it only for an IMSI registered at the factory, records ICCID and IMEI, and flags any that differ
 * from the registry (a SIM or modem swap) in the history.
 *
 * @param version protocol version ({@link Protocol#VERSION})
 * @param requestId id of this attempt, echoed in the ack; a retransmission reuses it
 * @param imsi the SIM's IMSI (AT+CIMI)
 * @param iccid the SIM's ICCID (AT+QCCID / AT+CCID)
 * @param imei the modem's IMEI (AT+CGSN)
 */
public record LoginRequest(int version, String requestId, String imsi, String iccid, String imei)
    implements Message {

    public LoginRequest {
        Checks.version(version);
        Identifiers.requireRequestId(requestId);
        Identifiers.requireImsi(imsi);
        Identifiers.requireIccid(iccid);
        Identifiers.requireImei(imei);
    }

    /** A request of the current {@link Protocol#VERSION}. */
    public static LoginRequest of(String requestId, String imsi, String iccid, String imei) {
        return new LoginRequest(Protocol.VERSION, requestId, imsi, iccid, imei);
    }

    @Override
    public MessageType type() {
        return MessageType.LOGIN;
    }
}
