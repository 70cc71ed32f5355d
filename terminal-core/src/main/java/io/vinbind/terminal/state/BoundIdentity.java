package io.vinbind.terminal.state;

import java.time.Instant;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The identity pair the server last confirmed with a matching bind-ack.
 *
 * @param vin     the VIN (17 characters of the ISO 3779 alphabet)
 * @param imsi    the SIM's IMSI (3GPP TS 23.003: up to 15 digits)
 * @param iccid   the SIM's ICCID (ITU-T E.118: 18-22 characters; some operators use hex letters, may end in F)
 * @param imei    the modem's IMEI (15 digits) or IMEISV (16 digits)
 * @param boundAt when the bind-ack arrived
 */
public record BoundIdentity(String vin, String imsi, String iccid, String imei, Instant boundAt) {

    private static final Pattern VIN = Pattern.compile("[0-9A-HJ-NPR-Z]{17}");
    private static final Pattern IMSI = Pattern.compile("[0-9]{6,15}");
    private static final Pattern ICCID = Pattern.compile("[0-9A-Fa-f]{18,22}");
    private static final Pattern IMEI = Pattern.compile("[0-9]{15,16}");

    public BoundIdentity {
        require("vin", vin, VIN, "17 characters from 0-9 A-H J-N P R-Z");
        require("imsi", imsi, IMSI, "6 to 15 digits");
        require("iccid", iccid, ICCID, "18 to 22 hex digits");
        require("imei", imei, IMEI, "15 or 16 digits");
        Objects.requireNonNull(boundAt, "boundAt");
    }

    private static void require(String name, String value, Pattern p, String expected) {
        Objects.requireNonNull(value, name);
        if (!p.matcher(value).matches()) {
            throw new IllegalArgumentException(name + " '" + value + "' is not " + expected);
        }
    }
}
