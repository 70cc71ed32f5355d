package io.vinbind.modem.sim;

import io.vinbind.modem.Iccid;
import io.vinbind.modem.Imei;
import io.vinbind.modem.Imsi;
import java.util.Objects;

/**
 * The identities a simulated modem reports: IMSI and ICCID belong to the SIM, IMEI to the modem. Swapping
 * it at runtime is how a bench simulates a replaced modem or SIM between ignitions.
 */
public record Identity(Imsi imsi, Iccid iccid, Imei imei) {

    public Identity {
        Objects.requireNonNull(imsi, "imsi");
        Objects.requireNonNull(iccid, "iccid");
        Objects.requireNonNull(imei, "imei");
    }

    /** Parses the three strings (IMEI Luhn-checked, ICCID normalised). */
    public static Identity of(String imsi, String iccid, String imei) {
        return new Identity(Imsi.of(imsi), Iccid.parse(iccid), new Imei(imei));
    }

    /** A plausible China Mobile identity for demos and tests. */
    public static final Identity DEFAULT = of("460001234567890", "89860012345678901234", "867698041234561");
}
