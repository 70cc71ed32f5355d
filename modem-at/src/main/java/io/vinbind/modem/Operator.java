package io.vinbind.modem;

import java.util.Objects;
import java.util.Optional;

/**
 * The operator the modem is registered with, from {@code +COPS: <mode>,<format>,<oper>[,<AcT>]}
 * (3GPP TS 27.007 §7.3).
 *
 * @param name             the operator as the modem reported it (long/short alphanumeric or numeric MCC+MNC)
 * @param format           how {@code name} is written
 * @param accessTechnology AcT, if reported
 */
public record Operator(String name, Format format, Optional<AccessTechnology> accessTechnology) {

    /** {@code <format>}: 0 long alphanumeric, 1 short alphanumeric, 2 numeric. */
    public enum Format {
        LONG_ALPHANUMERIC, SHORT_ALPHANUMERIC, NUMERIC;

        static Format fromCode(int code, String line) {
            return switch (code) {
                case 0 -> LONG_ALPHANUMERIC;
                case 1 -> SHORT_ALPHANUMERIC;
                case 2 -> NUMERIC;
                default -> throw new IllegalArgumentException("unknown +COPS <format> " + code + ": '" + line + "'");
            };
        }
    }

    public Operator {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(accessTechnology, "accessTechnology");
        if (name.isBlank()) {
            throw new IllegalArgumentException("operator name is blank");
        }
    }

    /**
     * Parses a {@code +COPS:} read answer; empty when only {@code <mode>} is present (not registered).
     *
     * @throws IllegalArgumentException naming the line if it has another shape
     */
    public static Optional<Operator> parse(String line) {
        Objects.requireNonNull(line, "line");
        if (!line.regionMatches(true, 0, "+COPS:", 0, 6)) {
            throw new IllegalArgumentException("not a +COPS answer: '" + line + "'");
        }
        var f = Registration.fields(line.substring(6));
        if (f.isEmpty() || f.get(0).isEmpty()) {
            throw new IllegalArgumentException("+COPS answer without <mode>: '" + line + "'");
        }
        Registration.parseInt(f.get(0), "mode", line);
        if (f.size() < 3 || f.get(2).isEmpty()) {
            return Optional.empty();
        }
        Format format = Format.fromCode(Registration.parseInt(f.get(1), "format", line), line);
        Optional<AccessTechnology> act = f.size() > 3 && !f.get(3).isEmpty()
                ? AccessTechnology.fromCode(Registration.parseInt(f.get(3), "AcT", line))
                : Optional.empty();
        return Optional.of(new Operator(f.get(2), format, act));
    }
}
