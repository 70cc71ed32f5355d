package io.vinbind.modem;

import java.util.Locale;
import java.util.Objects;

/**
 * Integrated Circuit Card Identifier (ITU-T E.118): starts with the telecom industry code 89, 18–20
 * characters. Usually decimal with a Luhn digit, but Chinese operators issue ICCIDs with hex letters, so
 * {@code A–F} are allowed and no check digit is enforced. Stored upper case, without padding {@code F}.
 *
 * @param value the identifier
 */
public record Iccid(String value) {

    public static final int MIN_LENGTH = 18;
    public static final int MAX_LENGTH = 20;

    public Iccid {
        Objects.requireNonNull(value, "value");
        if (value.length() < MIN_LENGTH || value.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("ICCID must have " + MIN_LENGTH + ".." + MAX_LENGTH
                    + " characters, got " + value.length() + ": '" + value + "'");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'))) {
                throw new IllegalArgumentException("ICCID must be 0-9/A-F, got '" + c + "' at " + i + ": '" + value + "'");
            }
        }
        if (!value.startsWith("89")) {
            throw new IllegalArgumentException("ICCID must start with 89 (ITU-T E.118 telecom code): '" + value + "'");
        }
    }

    /**
     * Parses an ICCID as modems print it: quotes and blanks removed, upper-cased, trailing padding
     * {@code F}s removed ({@code "89860012345678901234"}, {@code 8986001234567890123F}).
     */
    public static Iccid parse(String raw) {
        Objects.requireNonNull(raw, "raw");
        String s = raw.strip().replace("\"", "").strip().toUpperCase(Locale.ROOT);
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == 'F') {
            end--;
        }
        return new Iccid(s.substring(0, end));
    }

    /**
     * Decodes the raw EF_ICCID content (3GPP TS 31.102 §4.1.1 / TS 51.011 §10.1.1) as {@code AT+CRSM=176,12258,…}
     * returns it: BCD with the nibbles of each byte swapped, padded with F. {@code 98684006…} → {@code 898604…}.
     */
    public static Iccid fromEfIccid(String hex) {
        Objects.requireNonNull(hex, "hex");
        String h = hex.strip().replace("\"", "").toUpperCase(Locale.ROOT);
        if (h.isEmpty() || h.length() % 2 != 0) {
            throw new IllegalArgumentException("EF_ICCID must be an even number of hex digits: '" + hex + "'");
        }
        StringBuilder sb = new StringBuilder(h.length());
        for (int i = 0; i < h.length(); i += 2) {
            sb.append(h.charAt(i + 1)).append(h.charAt(i));
        }
        return parse(sb.toString());
    }

    @Override
    public String toString() {
        return value;
    }
}
