package io.vinbind.server.provisioning;

import java.util.Objects;
import java.util.Optional;

/**
 * What the server knows of one terminal that models and rules are matched on: its latest login's IMSI, the
 * modem's IMEI and ICCID (as the latest login reported them, else as the factory registered them), the card's
 * EID (as the terminal last reported it at login: only eUICCs have one, so empty for a USIM or a terminal that
 * never reported one), the factory batch, and the VIN bound to the IMSI.
 */
public record TerminalFacts(String terminalId, Optional<String> imsi, Optional<String> iccid, Optional<String> imei,
                            Optional<String> eid, Optional<String> batch, Optional<String> vin) {

    public TerminalFacts {
        Objects.requireNonNull(terminalId, "terminalId");
        Objects.requireNonNull(imsi, "imsi");
        Objects.requireNonNull(iccid, "iccid");
        Objects.requireNonNull(imei, "imei");
        Objects.requireNonNull(eid, "eid");
        Objects.requireNonNull(batch, "batch");
        Objects.requireNonNull(vin, "vin");
    }

    /** The IMEI's type allocation code (its first 8 digits, GSMA TS.06). */
    public Optional<String> tac() {
        return imei.filter(i -> i.length() >= 8).map(i -> i.substring(0, 8));
    }

    /** Whether the terminal has reported {@code field}. */
    public boolean has(DeviceModel.IdentityField field) {
        return switch (field) {
            case IMSI -> imsi.isPresent();
            case ICCID -> iccid.isPresent();
            case IMEI -> imei.isPresent();
            case EID -> eid.isPresent();
        };
    }
}
