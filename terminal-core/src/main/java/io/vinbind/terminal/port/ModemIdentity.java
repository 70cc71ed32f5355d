package io.vinbind.terminal.port;

import io.vinbind.protocol.Identifiers;

/**
 * Who the modem is: the SIM's IMSI and ICCID and the modem's IMEI, in the wire formats of the protocol
 * module (3GPP TS 23.003, ITU-T E.118).
 */
public record ModemIdentity(String imsi, String iccid, String imei) {
    public ModemIdentity {
        Identifiers.requireImsi(imsi);
        Identifiers.requireIccid(iccid);
        Identifiers.requireImei(imei);
    }
}
