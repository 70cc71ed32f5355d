package io.vinbind.can;

import java.util.HexFormat;

/** Hex helpers for log and error messages: upper-case, no separators, as candump writes data. */
public final class Hex {
    private static final HexFormat UPPER = HexFormat.of().withUpperCase();
    private static final HexFormat SPACED = HexFormat.ofDelimiter(" ").withUpperCase();

    private Hex() {
    }

    /** {@code 0322F190}. */
    public static String of(byte[] bytes) {
        return UPPER.formatHex(bytes);
    }

    /** {@code 03 22 F1 90}, for longer messages in error texts. */
    public static String spaced(byte[] bytes) {
        return SPACED.formatHex(bytes);
    }

    /** Parses {@code 0322F190} or {@code 03 22 F1 90}; throws IllegalArgumentException naming the text. */
    public static byte[] parse(String text) {
        String compact = text.replace(" ", "");
        try {
            return UPPER.parseHex(compact);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + text + "' is not an even number of hex digits", e);
        }
    }
}
