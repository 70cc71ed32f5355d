package io.vinbind.terminal.vin;

/** The ways a VIN can break the rules of ISO 3779 (and GB 16735 / 49 CFR 565 for the check digit). */
public enum VinProblem {
    /** A VIN has exactly 17 characters (ISO 3779 §5). */
    WRONG_LENGTH,
    /** Only {@code 0-9 A-H J-N P R-Z} are allowed: no I, O, Q (confusable with 1 and 0), no lower case. */
    ILLEGAL_CHARACTER,
    /** Position 9 does not match the weighted sum mod 11 of the other positions (49 CFR 565.15). */
    CHECK_DIGIT_MISMATCH,
    /** Position 10 (model year) is never U, Z or 0 in the 30-year model-year code (49 CFR 565.15). */
    MODEL_YEAR_INVALID
}
