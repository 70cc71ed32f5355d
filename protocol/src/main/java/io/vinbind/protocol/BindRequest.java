package io.vinbind.protocol;

/**
 * Terminal → server on {@code vinbind/v2/{terminalId}/bind}: "bind this modem to this VIN".
 *
 * <p>The VIN is carried as the terminal read it and is judged by the server under its own check-digit
 * policy (an invalid VIN is answered with {@link ReasonCode#INVALID_VIN}, not dropped as malformed), so
 * this record only bounds its length and character range. A well-behaved terminal validates with
 * {@link Vin} before sending.
 *
 * @param version protocol version ({@link Protocol#VERSION})
 * @param requestId id of this upload attempt, echoed in the ack; a retransmission reuses it and gets the
 *     same ack
 * @param terminalId the terminal's id (its certificate's CN); must equal the topic's
 * @param imsi the SIM's IMSI; must be the IMSI the terminal logged in with
 * @param iccid the SIM's ICCID
 * @param imei the modem's IMEI
 * @param vin the VIN read from the vehicle
 * @param reason why the terminal uploads
 */
public record BindRequest(int version, String requestId, String terminalId, String imsi, String iccid,
                          String imei, String vin, UploadReason reason) implements Message {

    /** Longest VIN string carried: room to report a wrong-length VIN, bounded for the ack. */
    public static final int MAX_VIN_CHARS = 32;

    public BindRequest {
        Checks.version(version);
        Identifiers.requireRequestId(requestId);
        Identifiers.requireTerminalId(terminalId);
        Identifiers.requireImsi(imsi);
        Identifiers.requireIccid(iccid);
        Identifiers.requireImei(imei);
        requireVinText(vin);
        Checks.notNull(reason, "reason");
    }

    /** A request of the current {@link Protocol#VERSION}. */
    public static BindRequest of(String requestId, String terminalId, String imsi, String iccid, String imei,
                                 String vin, UploadReason reason) {
        return new BindRequest(Protocol.VERSION, requestId, terminalId, imsi, iccid, imei, vin, reason);
    }

    @Override
    public MessageType type() {
        return MessageType.BIND;
    }

    /** 1–32 printable ASCII characters: not necessarily a VIN, but safe to store in an ack and a log. */
    static String requireVinText(String vin) {
        Checks.notNull(vin, "vin");
        if (vin.isEmpty() || vin.length() > MAX_VIN_CHARS) {
            throw new InvalidFieldException("vin", "vin has " + vin.length() + " characters, expected 1-"
                + MAX_VIN_CHARS);
        }
        for (int i = 0; i < vin.length(); i++) {
            char c = vin.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                throw new InvalidFieldException("vin", "vin '" + Identifiers.printable(vin)
                    + "' has a non-printable or non-ASCII character at position " + (i + 1));
            }
        }
        return vin;
    }
}
