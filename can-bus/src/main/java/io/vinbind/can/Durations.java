package io.vinbind.can;

import java.time.Duration;
import java.util.Locale;

/** Parses the durations of options and properties: {@code 1500ms}, {@code 2s}, {@code 250us}, bare {@code 1500} = ms. */
public final class Durations {
    private Durations() {
    }

    /** @throws IllegalArgumentException naming the text when it is not a non-negative duration */
    public static Duration parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        try {
            Duration d;
            if (t.endsWith("ms")) {
                d = Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2).trim()));
            } else if (t.endsWith("us")) {
                d = Duration.ofNanos(1000 * Long.parseLong(t.substring(0, t.length() - 2).trim()));
            } else if (t.endsWith("s")) {
                d = Duration.ofMillis(Math.round(Double.parseDouble(t.substring(0, t.length() - 1).trim()) * 1000));
            } else {
                d = Duration.ofMillis(Long.parseLong(t));
            }
            if (d.isNegative()) {
                throw new IllegalArgumentException("duration '" + text + "' is negative");
            }
            return d;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("duration '" + text + "' is not like 1500ms, 2s or 250us", e);
        }
    }

    /** {@code 1500ms} style, the form {@link #parse} reads back. */
    public static String format(Duration d) {
        return d.toNanos() % 1_000_000 == 0 ? d.toMillis() + "ms" : d.toNanos() / 1000 + "us";
    }
}
