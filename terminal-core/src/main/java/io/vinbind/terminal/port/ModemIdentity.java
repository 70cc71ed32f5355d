package io.vinbind.terminal.port;

import io.vinbind.protocol.Identifiers;

/**
 * Who the modem is: the SIM's IMSI and ICCID and the modem's IMEI, in the wire formats of the protocol
 * module (3GPP TS 23.003, ITU-T E.118); and what the login reports besides when known (issue 14, "identity
 * in"): the card's EID when it is an eUICC (GSMA SGP.29) and the modem's model and firmware revision
 * (3GPP TS 27.007 §5.2-5.3). Those three are {@code null} when not known; the binding decision looks only at
 * IMSI, ICCID and IMEI.
 */
public record ModemIdentity(String imsi, String iccid, String imei, String eid, String modemModel,
                            String modemFirmware) {
    public ModemIdentity {
        Identifiers.requireImsi(imsi);
        Identifiers.requireIccid(iccid);
        Identifiers.requireImei(imei);
        if (eid != null) {
            Identifiers.requireEid(eid);
        }
        if (modemModel != null) {
            Identifiers.requireModelText("modemModel", modemModel);
        }
        if (modemFirmware != null) {
            Identifiers.requireModelText("modemFirmware", modemFirmware);
        }
    }

    /** The identities alone: no EID, no model information. */
    public ModemIdentity(String imsi, String iccid, String imei) {
        this(imsi, iccid, imei, null, null, null);
    }
}
