package io.vinbind.terminal.vin;

import java.util.Objects;

/**
 * One rule a VIN broke.
 *
 * @param problem  which rule
 * @param position the 1-based character position concerned, or 0 when the finding is about the whole VIN
 * @param detail   a sentence for people: what was found and what was expected
 */
public record VinFinding(VinProblem problem, int position, String detail) {
    public VinFinding {
        Objects.requireNonNull(problem, "problem");
        Objects.requireNonNull(detail, "detail");
        if (position < 0) {
            throw new IllegalArgumentException("position must be >= 0, was " + position);
        }
        if (detail.isBlank()) {
            throw new IllegalArgumentException("detail must not be blank");
        }
    }

    @Override
    public String toString() {
        return detail;
    }
}
