package io.vinbind.terminal.state;

import io.vinbind.protocol.Identifiers;
import io.vinbind.protocol.Vin;
import java.time.Instant;
import java.util.Objects;

/**
 * The identity pair the server last confirmed with a matching bind-ack. Formats are the protocol
 * module's ({@link Identifiers}), so whatever was bound can be sent again.
 *
 * @param vin     the VIN (17 characters of the ISO 3779 alphabet)
 * @param imsi    the SIM's IMSI (3GPP TS 23.003: up to 15 digits)
 * @param iccid   the SIM's ICCID (ITU-T E.118: 18-22 characters 0-9 A-F)
 * @param imei    the modem's IMEI (15 digits)
 * @param boundAt when the bind-ack arrived
 */
public record BoundIdentity(String vin, String imsi, String iccid, String imei, Instant boundAt) {

    public BoundIdentity {
        Objects.requireNonNull(vin, "vin");
        new Vin(vin); // ISO 3779 syntax; the check digit was judged before binding, in the configured mode
        Identifiers.requireImsi(imsi);
        Identifiers.requireIccid(iccid);
        Identifiers.requireImei(imei);
        Objects.requireNonNull(boundAt, "boundAt");
    }
}
