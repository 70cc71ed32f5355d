package io.vinbind.protocol;

import java.util.Objects;

/**
 * A string is not a VIN under the rules asked for. Names the {@link Problem}, the offending position
 * (1-based, 0 when the problem is not about one position) and the candidate as received.
 */
public final class InvalidVinException extends IllegalArgumentException {

    /** What is wrong with the candidate. */
    public enum Problem {
        /** Not exactly 17 characters (ISO 3779). */
        WRONG_LENGTH,
        /** A character outside {@code 0-9 A-H J-N P R-Z}; I, O and Q are excluded (ISO 3779). */
        ILLEGAL_CHARACTER,
        /** Position 9 does not match the computed check digit (49 CFR 565.15 / GB 16735). */
        CHECK_DIGIT_MISMATCH,
        /** Position 10 is U, Z or 0, which the model-year code never uses (49 CFR 565.15(a)). */
        MODEL_YEAR_INVALID
    }

    private final Problem problem;
    private final int position;
    private final String candidate;

    InvalidVinException(Problem problem, int position, String candidate, String message) {
        super(message);
        this.problem = Objects.requireNonNull(problem, "problem");
        this.position = position;
        this.candidate = candidate;
    }

    public Problem problem() {
        return problem;
    }

    /** 1-based position of the offending character, or 0 when the problem is not about one position. */
    public int position() {
        return position;
    }

    /** The string that was checked, as received. */
    public String candidate() {
        return candidate;
    }
}
