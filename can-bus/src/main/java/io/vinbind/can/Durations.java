package io.vinbind.can;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * Parses the durations of options and properties: {@code 1500ms}, {@code 2s} (decimals allowed),
 * {@code 250us}, {@code 5m}, {@code 1h}, ISO-8601 {@code PT6S}, bare {@code 1500} = ms. The terminal's
 * configuration file documents {@code 5m}, {@code 1h} and {@code PT6S} for every duration key, its
 * {@code uds.*} keys included, so this parser reads those forms too.
 */
public final class Durations {
    private Durations() {
    }

    /** @throws IllegalArgumentException naming the text when it is not a non-negative duration */
    public static Duration parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        try {
            Duration d;
            if (t.startsWith("p") || t.startsWith("-p")) {
                d = Duration.parse(t.toUpperCase(Locale.ROOT));
            } else if (t.endsWith("ms")) {
                d = Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2).trim()));
            } else if (t.endsWith("us")) {
                d = Duration.ofNanos(1000 * Long.parseLong(t.substring(0, t.length() - 2).trim()));
            } else if (t.endsWith("s")) {
                d = Duration.ofMillis(Math.round(Double.parseDouble(t.substring(0, t.length() - 1).trim()) * 1000));
            } else if (t.endsWith("m")) {
                d = Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1).trim()));
            } else if (t.endsWith("h")) {
                d = Duration.ofHours(Long.parseLong(t.substring(0, t.length() - 1).trim()));
            } else {
                d = Duration.ofMillis(Long.parseLong(t));
            }
            if (d.isNegative()) {
                throw new IllegalArgumentException("duration '" + text + "' is negative");
            }
            return d;
        } catch (NumberFormatException | DateTimeParseException | ArithmeticException e) {
            throw new IllegalArgumentException("duration '" + text
                    + "' is not like 1500ms, 2s, 250us, 5m, 1h or PT6S", e);
        }
    }

    /** {@code 1500ms} style, the form {@link #parse} reads back. */
    public static String format(Duration d) {
        return d.toNanos() % 1_000_000 == 0 ? d.toMillis() + "ms" : d.toNanos() / 1000 + "us";
    }
}
