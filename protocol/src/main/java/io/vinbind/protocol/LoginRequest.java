package io.vinbind.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Terminal → server on {@code vinbind/v2/{terminalId}/login}: "this terminal is online with this modem".
 * The server accepts it only for an IMSI registered at the factory, and checks the identities against what
 * it knows: a known terminal with a new IMSI is a modem replacement; an IMSI another terminal holds, or an
 * ICCID/IMEI that contradicts the registry, goes through the deployment's identity policy.
 *
 * <p>The terminal also reports what it is made of: the card's EID when the card is an eUICC, and model
 * information. These fields are {@link OptionalField optional}: left out means "not reported" (a USIM has no
 * EID; terminals older than these fields send none of them), so the message stays {@link Protocol#VERSION} 2.
 * They are {@code null} when not reported.
 *
 * @param version protocol version ({@link Protocol#VERSION})
 * @param requestId id of this attempt, echoed in the ack; a retransmission reuses it
 * @param terminalId the terminal's id (its certificate's CN); must equal the topic's
 * @param imsi the SIM's IMSI (AT+CIMI)
 * @param iccid the SIM's ICCID (AT+QCCID / AT+CCID)
 * @param imei the modem's IMEI (AT+CGSN)
 * @param eid the eUICC's EID (ES10c GetEID, GSMA SGP.22 §5.7.20; 32 digits, SGP.29 check digits), or null
 * @param terminalModel the terminal's model (its configuration), or null
 * @param softwareVersion the terminal software's version, or null
 * @param modemModel the modem's model (AT+CGMM, 3GPP TS 27.007 §5.2), or null
 * @param modemFirmware the modem's firmware revision (AT+CGMR, 3GPP TS 27.007 §5.3), or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LoginRequest(int version, String requestId, String terminalId, String imsi, String iccid,
                           String imei, @OptionalField String eid, @OptionalField String terminalModel,
                           @OptionalField String softwareVersion, @OptionalField String modemModel,
                           @OptionalField String modemFirmware) implements Message {

    public LoginRequest {
        Checks.version(version);
        Identifiers.requireRequestId(requestId);
        Identifiers.requireTerminalId(terminalId);
        Identifiers.requireImsi(imsi);
        Identifiers.requireIccid(iccid);
        Identifiers.requireImei(imei);
        if (eid != null) {
            Identifiers.requireEid(eid);
        }
        optionalText("terminalModel", terminalModel);
        optionalText("softwareVersion", softwareVersion);
        optionalText("modemModel", modemModel);
        optionalText("modemFirmware", modemFirmware);
    }

    /** A login that reports none of the optional fields (as terminals before them did). */
    public LoginRequest(int version, String requestId, String terminalId, String imsi, String iccid, String imei) {
        this(version, requestId, terminalId, imsi, iccid, imei, null, null, null, null, null);
    }

    /** A request of the current {@link Protocol#VERSION}, without the optional fields. */
    public static LoginRequest of(String requestId, String terminalId, String imsi, String iccid, String imei) {
        return new LoginRequest(Protocol.VERSION, requestId, terminalId, imsi, iccid, imei);
    }

    /** This request reporting {@code eid} (null: none). */
    public LoginRequest withEid(String eid) {
        return new LoginRequest(version, requestId, terminalId, imsi, iccid, imei, eid, terminalModel,
            softwareVersion, modemModel, modemFirmware);
    }

    /** This request reporting the model information (each null: not reported). */
    public LoginRequest withModels(String terminalModel, String softwareVersion, String modemModel,
                                   String modemFirmware) {
        return new LoginRequest(version, requestId, terminalId, imsi, iccid, imei, eid, terminalModel,
            softwareVersion, modemModel, modemFirmware);
    }

    @Override
    public MessageType type() {
        return MessageType.LOGIN;
    }

    private static void optionalText(String field, String value) {
        if (value != null) {
            Identifiers.requireModelText(field, value);
        }
    }
}
