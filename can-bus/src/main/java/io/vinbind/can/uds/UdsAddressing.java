package io.vinbind.can.uds;

import io.vinbind.can.CanId;
import java.util.Objects;

/**
 * Request and response identifiers of one physically addressed ECU (ISO 15765-4 / ISO 15765-2 normal
 * addressing).
 *
 * @param request  identifier the tester sends requests on
 * @param response identifier the ECU answers on
 */
public record UdsAddressing(CanId request, CanId response) {

    /**
     * Default for the smart-key (keyless) ECU: 11-bit {@code 0x740} → {@code 0x748}. Body ECUs use
     * OEM-specific pairs (commonly response = request + 8); set the vehicle's own pair in configuration.
     */
    public static final UdsAddressing SMART_KEY_DEFAULT = new UdsAddressing(CanId.standard(0x740), CanId.standard(0x748));

    public UdsAddressing {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(response, "response");
        if (request.equals(response)) {
            throw new IllegalArgumentException("request and response identifiers must differ, both are " + request);
        }
    }

    /** OBD physical addressing of ECU {@code n} (0..7): {@code 0x7E0+n} → {@code 0x7E8+n} (ISO 15765-4). */
    public static UdsAddressing obdPhysical(int n) {
        if (n < 0 || n > 7) {
            throw new IllegalArgumentException("OBD ECU number must be 0..7, got " + n);
        }
        return new UdsAddressing(CanId.standard(0x7E0 + n), CanId.standard(0x7E8 + n));
    }

    /**
     * 29-bit normal fixed addressing (ISO 15765-2, as ISO 15765-4 uses it for 29-bit OBD): requests on
     * {@code 0x18DA<TA><SA>}, responses on
     * {@code 0x18DA<SA><TA>}.
     *
     * @param target ECU address (TA), 0..0xFF
     * @param source tester address (SA), 0..0xFF, commonly 0xF1
     */
    public static UdsAddressing normalFixed(int target, int source) {
        if (target < 0 || target > 0xFF || source < 0 || source > 0xFF) {
            throw new IllegalArgumentException("normal-fixed addresses must be bytes, got TA " + target + " SA " + source);
        }
        return new UdsAddressing(CanId.extended(0x18DA_0000 | target << 8 | source),
                CanId.extended(0x18DA_0000 | source << 8 | target));
    }

    @Override
    public String toString() {
        return request + "->" + response;
    }
}
