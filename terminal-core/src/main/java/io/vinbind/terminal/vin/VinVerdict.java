package io.vinbind.terminal.vin;

import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/** The result of checking a VIN: a value, never an exception, because an invalid VIN is normal input. */
public sealed interface VinVerdict {

    /** The text that was checked, exactly as given. */
    String input();

    /** Findings that did not make the VIN invalid (lenient mode: check digit, model-year code). */
    List<VinFinding> warnings();

    /** True for {@link Valid}. */
    default boolean isValid() {
        return this instanceof Valid;
    }

    /** One line for people: why the VIN is valid (and any warnings) or why not. */
    String reason();

    /**
     * The VIN passed every rule the mode enforces.
     *
     * @param input      the VIN (17 legal characters)
     * @param checkDigit the check digit computed from the other positions
     * @param warnings   rules the lenient mode tolerated
     */
    record Valid(String input, char checkDigit, List<VinFinding> warnings) implements VinVerdict {
        public Valid {
            Objects.requireNonNull(input, "input");
            warnings = List.copyOf(warnings);
        }

        @Override
        public String reason() {
            String base = input.charAt(VinRules.CHECK_DIGIT_POSITION - 1) == checkDigit
                    ? "check digit '" + checkDigit + "' correct"
                    : "check digit not enforced";
            if (warnings.isEmpty()) {
                return base;
            }
            return base + "; warning: "
                    + warnings.stream().map(VinFinding::detail).collect(Collectors.joining("; warning: "));
        }
    }

    /**
     * The VIN broke at least one rule the mode enforces.
     *
     * @param input    the text that was checked
     * @param errors   the broken rules, at least one
     * @param warnings findings that would only have been warnings
     */
    record Invalid(String input, List<VinFinding> errors, List<VinFinding> warnings) implements VinVerdict {
        public Invalid {
            Objects.requireNonNull(input, "input");
            errors = List.copyOf(errors);
            warnings = List.copyOf(warnings);
            if (errors.isEmpty()) {
                throw new IllegalArgumentException("an invalid verdict needs at least one error");
            }
        }

        /** The first (most fundamental) broken rule. */
        public VinProblem problem() {
            return errors.get(0).problem();
        }

        @Override
        public String reason() {
            return errors.stream().map(VinFinding::detail).collect(Collectors.joining("; "));
        }
    }
}
