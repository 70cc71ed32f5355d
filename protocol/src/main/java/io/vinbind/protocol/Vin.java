package io.vinbind.protocol;

import java.util.Objects;

/**
 * A syntactically valid Vehicle Identification Number.
 *
 * <p>Structure and alphabet are ISO 3779: 17 characters from {@code 0-9 A-H J-N P R-Z} (I, O and Q are
 * never used, to avoid confusion with 1 and 0). Position 9 is a check digit computed as in FMVSS 115 /
 * 49 CFR 565.15, which China made mandatory with GB 16735-2019: every character is transliterated to a
 * number (digits as themselves; A1 B2 C3 D4 E5 F6 G7 H8 J1 K2 L3 M4 N5 P7 R9 S2 T3 U4 V5 W6 X7 Y8 Z9),
 * multiplied by its position weight (8 7 6 5 4 3 2 10 0 9 8 7 6 5 4 3 2) and summed; the sum modulo 11 is
 * the check digit, 10 written as {@code X}. Position 10 is the model-year code, a 30-year cycle of
 * {@value #MODEL_YEAR_CODES} that never uses U, Z or 0 (49 CFR 565.15(a)).
 *
 * <p>This is the one implementation shared by the terminal (which checks a VIN read from the ECU before
 * uploading it) and the server (which checks every upload), so the two can never disagree on what a valid
 * VIN is. Instances are only ever syntactically valid; {@link #checkDigitValid()} and {@link #modelYearValid()}
 * say whether the check digit and the model-year code are right too, which can be false only for a VIN parsed
 * with {@link VinPolicy#LENIENT}.
 *
 * @param value the 17 characters, upper case
 */
public record Vin(String value) {

    /** Length of a VIN (ISO 3779). */
    public static final int LENGTH = 17;

    /** 1-based position of the check digit. */
    public static final int CHECK_DIGIT_POSITION = 9;

    /** 1-based position of the model-year code. */
    public static final int MODEL_YEAR_POSITION = 10;

    /** Model-year codes in order from 1980 (A) to 2009 (9); the cycle repeats every 30 years (49 CFR 565.15). */
    public static final String MODEL_YEAR_CODES = "ABCDEFGHJKLMNPRSTVWXY123456789";

    private static final int[] WEIGHTS = {8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2};

    /** Transliteration values for 'A'..'Z'; -1 marks I, O and Q, which a VIN never contains. */
    private static final int[] LETTER_VALUES = {
        1, 2, 3, 4, 5, 6, 7, 8, -1, // A-I
        1, 2, 3, 4, 5, -1, 7, -1, 9, // J-R
        2, 3, 4, 5, 6, 7, 8, 9 // S-Z
    };

    /** Validates the syntax only; use {@link #parse} to also apply a check-digit policy. */
    public Vin {
        Objects.requireNonNull(value, "value");
        checkSyntax(value);
    }

    /**
     * Parses a VIN under the given policy.
     *
     * @throws InvalidVinException naming the problem and position when the candidate is not a VIN
     */
    public static Vin parse(String candidate, VinPolicy policy) {
        Objects.requireNonNull(policy, "policy");
        if (candidate == null) {
            throw new InvalidVinException(InvalidVinException.Problem.WRONG_LENGTH, 0, null, "VIN is missing");
        }
        Vin vin = new Vin(candidate);
        if (policy == VinPolicy.STRICT && !vin.checkDigitValid()) {
            throw new InvalidVinException(InvalidVinException.Problem.CHECK_DIGIT_MISMATCH, CHECK_DIGIT_POSITION,
                candidate, "VIN " + candidate + " has check digit '" + candidate.charAt(CHECK_DIGIT_POSITION - 1)
                    + "' at position 9 but its characters give '" + computeCheckDigit(candidate) + "'");
        }
        if (policy == VinPolicy.STRICT && !vin.modelYearValid()) {
            throw new InvalidVinException(InvalidVinException.Problem.MODEL_YEAR_INVALID, MODEL_YEAR_POSITION,
                candidate, "VIN " + candidate + " has model-year code '" + candidate.charAt(MODEL_YEAR_POSITION - 1)
                    + "' at position 10, which is never used (U, Z, 0)");
        }
        return vin;
    }

    /** Parses a VIN with the {@link VinPolicy#STRICT} policy. */
    public static Vin parse(String candidate) {
        return parse(candidate, VinPolicy.STRICT);
    }

    /** True when {@code candidate} is a VIN under {@code policy}; never throws. */
    public static boolean isValid(String candidate, VinPolicy policy) {
        try {
            parse(candidate, policy);
            return true;
        } catch (InvalidVinException e) {
            return false;
        }
    }

    /**
     * Computes the check digit ({@code 0-9} or {@code X}) of a syntactically valid VIN; position 9 of the
     * candidate is ignored (its weight is 0), so this also fills in the digit of a VIN being made up.
     *
     * @throws InvalidVinException when the candidate's syntax is wrong
     */
    public static char computeCheckDigit(String candidate) {
        Objects.requireNonNull(candidate, "candidate");
        checkSyntax(candidate);
        int sum = 0;
        for (int i = 0; i < LENGTH; i++) {
            sum += transliterate(candidate.charAt(i)) * WEIGHTS[i];
        }
        int check = sum % 11;
        return check == 10 ? 'X' : (char) ('0' + check);
    }

    /** Whether position 9 matches the computed check digit. */
    public boolean checkDigitValid() {
        return value.charAt(CHECK_DIGIT_POSITION - 1) == computeCheckDigit(value);
    }

    /** Whether position 10 is a model-year code (never U, Z or 0). */
    public boolean modelYearValid() {
        return modelYearIndex(value.charAt(MODEL_YEAR_POSITION - 1)) >= 0;
    }

    /**
     * Index of a model-year code in the 30-year cycle that starts with A = 1980, or -1 for a character the
     * code never uses.
     */
    public static int modelYearIndex(char code) {
        return MODEL_YEAR_CODES.indexOf(code);
    }

    /** True for the characters of the ISO 3779 alphabet: {@code 0-9 A-H J-N P R-Z}. */
    public static boolean isVinCharacter(char c) {
        return transliterate(c) >= 0;
    }

    /** World manufacturer identifier: positions 1–3 (ISO 3780). */
    public String wmi() {
        return value.substring(0, 3);
    }

    @Override
    public String toString() {
        return value;
    }

    private static void checkSyntax(String candidate) {
        if (candidate.length() != LENGTH) {
            throw new InvalidVinException(InvalidVinException.Problem.WRONG_LENGTH, 0, candidate,
                "VIN '" + Identifiers.printable(candidate) + "' has " + candidate.length()
                    + " characters, expected " + LENGTH);
        }
        for (int i = 0; i < LENGTH; i++) {
            char c = candidate.charAt(i);
            if (transliterate(c) < 0) {
                throw new InvalidVinException(InvalidVinException.Problem.ILLEGAL_CHARACTER, i + 1, candidate,
                    "VIN '" + Identifiers.printable(candidate) + "' has illegal character '"
                        + Identifiers.printable(String.valueOf(c)) + "' at position " + (i + 1)
                        + " (allowed: 0-9 A-H J-N P R-Z)");
            }
        }
    }

    private static int transliterate(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'A' && c <= 'Z') {
            return LETTER_VALUES[c - 'A'];
        }
        return -1;
    }
}
