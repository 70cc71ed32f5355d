package io.vinbind.terminal.vin;

import io.vinbind.protocol.Vin;
import io.vinbind.protocol.VinPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The VIN rules of ISO 3779 with the check digit of 49 CFR 565.15 (FMVSS 115), mandatory in China by
 * GB 16735-2019.
 *
 * <ul>
 *   <li>17 characters from {@code 0-9 A-H J-N P R-Z} (I, O and Q are never used);</li>
 *   <li>position 9 is the check digit: each character is transliterated (A1 B2 C3 D4 E5 F6 G7 H8 J1 K2
 *       L3 M4 N5 P7 R9 S2 T3 U4 V5 W6 X7 Y8 Z9, digits as themselves), multiplied by the weight of its
 *       position (8 7 6 5 4 3 2 10 0 9 8 7 6 5 4 3 2), summed, and the sum taken mod 11 (10 is written X);</li>
 *   <li>position 10 is the model-year code, which is never U, Z or 0.</li>
 * </ul>
 *
 * <p>The rules are the protocol module's {@link Vin}, the one rule set the terminal and the server share
 * (the server refuses under {@link VinPolicy#STRICT} exactly what this class calls an error there); this class
 * only turns them into the findings a terminal reports (position, expected digit, model-year code).
 *
 * <p>Length and character set are errors in every {@link VinPolicy}; check digit and model-year code are
 * errors in {@link VinPolicy#STRICT} and warnings in {@link VinPolicy#LENIENT}. Instances are immutable and
 * thread-safe.
 */
public final class VinRules {

    /** A VIN is always 17 characters long (ISO 3779). */
    public static final int LENGTH = 17;
    /** 1-based position of the check digit. */
    public static final int CHECK_DIGIT_POSITION = 9;
    /** 1-based position of the model-year code. */
    public static final int MODEL_YEAR_POSITION = 10;

    private static final int MODEL_YEAR_BASE = 1980;
    private static final int MODEL_YEAR_CYCLE = 30;

    private final VinPolicy mode;

    public VinRules(VinPolicy mode) {
        this.mode = Objects.requireNonNull(mode, "mode");
    }

    public VinPolicy mode() {
        return mode;
    }

    /** Checks {@code input} exactly as given (no trimming, no case folding). */
    public VinVerdict check(String input) {
        Objects.requireNonNull(input, "input");
        List<VinFinding> errors = new ArrayList<>();
        List<VinFinding> warnings = new ArrayList<>();
        if (input.length() != LENGTH) {
            errors.add(new VinFinding(VinProblem.WRONG_LENGTH, 0,
                    "length is " + input.length() + ", a VIN has " + LENGTH + " characters"));
        }
        for (int i = 0; i < input.length(); i++) {
            char c = input.charAt(i);
            if (!legal(c)) {
                errors.add(new VinFinding(VinProblem.ILLEGAL_CHARACTER, i + 1, illegalCharacter(c, i + 1)));
                break; // one is enough to make the point; the rest would repeat it
            }
        }
        if (!errors.isEmpty()) {
            return new VinVerdict.Invalid(input, errors, warnings);
        }
        char expected = checkDigit(input);
        char actual = input.charAt(CHECK_DIGIT_POSITION - 1);
        if (actual != expected) {
            VinFinding f = new VinFinding(VinProblem.CHECK_DIGIT_MISMATCH, CHECK_DIGIT_POSITION,
                    "check digit (position 9) is '" + actual + "', the other positions give '" + expected + "'");
            (mode == VinPolicy.STRICT ? errors : warnings).add(f);
        }
        char year = input.charAt(MODEL_YEAR_POSITION - 1);
        if (modelYearIndex(year) < 0) {
            VinFinding f = new VinFinding(VinProblem.MODEL_YEAR_INVALID, MODEL_YEAR_POSITION,
                    "model-year code (position 10) is '" + year + "', which is never used (U, Z, 0)");
            (mode == VinPolicy.STRICT ? errors : warnings).add(f);
        }
        return errors.isEmpty()
                ? new VinVerdict.Valid(input, expected, warnings)
                : new VinVerdict.Invalid(input, errors, warnings);
    }

    /**
     * The check digit the other 16 positions give.
     *
     * @throws IllegalArgumentException if {@code vin} is not 17 characters from the VIN alphabet
     */
    public static char checkDigit(CharSequence vin) {
        Objects.requireNonNull(vin, "vin");
        return Vin.computeCheckDigit(vin.toString()); // the one implementation terminal and server share
    }

    /**
     * The model years a position-10 code can stand for (the code repeats every 30 years), earliest first,
     * from 1980 up to and including {@code latestYear}; empty for U, Z, 0 and characters outside the code.
     */
    public static List<Integer> modelYears(char code, int latestYear) {
        int idx = modelYearIndex(code);
        List<Integer> years = new ArrayList<>();
        if (idx < 0) {
            return years;
        }
        for (int y = MODEL_YEAR_BASE + idx; y <= latestYear; y += MODEL_YEAR_CYCLE) {
            years.add(y);
        }
        return years;
    }

    /** True for the characters a VIN may contain. */
    static boolean legal(char c) {
        return Vin.isVinCharacter(c);
    }

    private static int modelYearIndex(char c) {
        return Vin.modelYearIndex(c);
    }

    private static String illegalCharacter(char c, int position) {
        String shown = c >= 0x20 && c < 0x7f ? "'" + c + "'" : String.format("U+%04X", (int) c);
        String why;
        if (c == 'I' || c == 'O' || c == 'Q') {
            why = " (I, O and Q are never used, they read as 1 and 0)";
        } else if (c >= 'a' && c <= 'z') {
            why = " (VINs are written in capitals)";
        } else {
            why = " (allowed: 0-9 A-H J-N P R-Z)";
        }
        return "illegal character " + shown + " at position " + position + why;
    }
}
