package io.vinbind.protocol;

/**
 * How strictly a VIN is judged: the one strictness option of the terminal ({@code vin.mode}) and the server
 * ({@code --vin-check}), applied by the one rule set in {@link Vin}.
 *
 * <p>Length and alphabet (ISO 3779) are required in both modes. The check digit (position 9) is mandatory in
 * North America (FMVSS 115 / 49 CFR 565.15) and in China (GB 16735-2019), as is a model-year code at
 * position 10 that the 30-year code can stand for (never U, Z or 0, 49 CFR 565.15(a)); Europe requires
 * neither, so a deployment that sees European VINs needs the lenient mode.
 */
public enum VinPolicy {
    /** A wrong check digit or an impossible model-year code makes the VIN invalid (GB 16735 / North America). The default. */
    STRICT,
    /** Both are tolerated and reported ({@link Vin#checkDigitValid()}, {@link Vin#modelYearValid()}); syntax still enforced. */
    LENIENT
}
