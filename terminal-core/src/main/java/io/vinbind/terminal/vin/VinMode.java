package io.vinbind.terminal.vin;

/**
 * How strictly {@link VinRules} treats the rules that not every market enforces.
 *
 * <p>Length and character set (ISO 3779) are errors in both modes. The check digit (position 9) is
 * mandatory in North America (FMVSS 115 / 49 CFR 565) and in China (GB 16735-2019), but optional in
 * Europe, so a European VIN with an arbitrary ninth character is legal there.
 */
public enum VinMode {
    /** GB 16735 / North America: a wrong check digit or an impossible model-year code is an error. */
    STRICT,
    /** Europe-style: a wrong check digit or unusual model-year code is reported as a warning only. */
    LENIENT
}
