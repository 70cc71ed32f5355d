package io.vinbind.modem;

import java.util.Objects;

/**
 * What the modem says it is: {@code AT+CGMI}, {@code AT+CGMM}, {@code AT+CGMR} (3GPP TS 27.007 §5.1–5.3).
 */
public record DeviceInfo(String manufacturer, String model, String revision) {

    public DeviceInfo {
        Objects.requireNonNull(manufacturer, "manufacturer");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(revision, "revision");
    }
}
