package io.vinbind.protocol;

/**
 * Whether a VIN's position-9 check digit must be right.
 *
 * <p>The check digit is mandatory in North America (FMVSS 115 / 49 CFR 565) and in China (GB 16735-2019);
 * Europe does not require it, so a deployment that sees European VINs needs the lenient mode. The syntax
 * (17 characters from the ISO 3779 alphabet) is required in both modes.
 */
public enum VinCheckDigitPolicy {
    /** A wrong check digit makes the VIN invalid (GB 16735 / North America). The default. */
    STRICT,
    /** A wrong check digit is tolerated (reported by {@link Vin#checkDigitValid()}); syntax still enforced. */
    LENIENT
}
