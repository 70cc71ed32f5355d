package io.vinbind.can;

import java.util.Locale;

/**
 * A CAN identifier together with its format. The 11-bit (base) and 29-bit (extended) formats of
 * ISO 11898-1 are different identifier spaces: {@code 0x7E8} standard and {@code 0x000007E8} extended
 * are different frames, so the format is an explicit flag and never guessed from the numeric value.
 *
 * @param value    the identifier, 0..0x7FF when standard, 0..0x1FFFFFFF when extended
 * @param extended true for a 29-bit identifier
 */
public record CanId(int value, boolean extended) implements Comparable<CanId> {

    /** Largest 11-bit identifier. */
    public static final int MAX_STANDARD = 0x7FF;
    /** Largest 29-bit identifier. */
    public static final int MAX_EXTENDED = 0x1FFF_FFFF;

    public CanId {
        int max = extended ? MAX_EXTENDED : MAX_STANDARD;
        if (value < 0 || value > max) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "CAN identifier 0x%X is out of range for a %s identifier (0..0x%X)",
                    value, extended ? "29-bit" : "11-bit", max));
        }
    }

    /** An 11-bit identifier. */
    public static CanId standard(int value) {
        return new CanId(value, false);
    }

    /** A 29-bit identifier. */
    public static CanId extended(int value) {
        return new CanId(value, true);
    }

    /**
     * Parses an identifier written in hex, with or without {@code 0x}. The number of digits decides the
     * format, as in SLCAN and candump: 1–3 digits are an 11-bit identifier, exactly 8 digits a 29-bit one
     * ({@code 7E0}, {@code 0x7E0}, {@code 18DAF110}, {@code 0x000007E0}).
     *
     * @throws IllegalArgumentException naming the text when it is not such an identifier
     */
    public static CanId parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("CAN identifier is missing");
        }
        String digits = text.trim();
        if (digits.startsWith("0x") || digits.startsWith("0X")) {
            digits = digits.substring(2);
        }
        if (digits.isEmpty() || !digits.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            throw new IllegalArgumentException("CAN identifier '" + text + "' is not hexadecimal");
        }
        if (digits.length() <= 3) {
            return standard(Integer.parseInt(digits, 16));
        }
        if (digits.length() == 8) {
            return extended((int) Long.parseLong(digits, 16));
        }
        throw new IllegalArgumentException("CAN identifier '" + text
                + "': write 1-3 hex digits for an 11-bit identifier or exactly 8 for a 29-bit one");
    }

    /** {@code 7E8} for 11-bit identifiers, {@code 18DAF110} for 29-bit ones (candump style). */
    @Override
    public String toString() {
        return extended ? String.format(Locale.ROOT, "%08X", value) : String.format(Locale.ROOT, "%03X", value);
    }

    @Override
    public int compareTo(CanId other) {
        int byFormat = Boolean.compare(extended, other.extended);
        return byFormat != 0 ? byFormat : Integer.compare(value, other.value);
    }
}
