package io.vinbind.modem;

import java.util.Objects;

/**
 * International Mobile Equipment Identity (3GPP TS 23.003 §6.2.1): TAC (8) + serial (6) + Luhn check
 * digit (1). The check digit is verified so a misread or a corrupted answer never becomes an identity.
 *
 * @param value the 15 digits
 */
public record Imei(String value) {

    public static final int LENGTH = 15;

    public Imei {
        Objects.requireNonNull(value, "value");
        if (value.length() != LENGTH) {
            throw new IllegalArgumentException("IMEI must have 15 digits, got " + value.length() + ": '" + value + "'");
        }
        for (int i = 0; i < LENGTH; i++) {
            if (value.charAt(i) < '0' || value.charAt(i) > '9') {
                throw new IllegalArgumentException("IMEI must be digits only: '" + value + "'");
            }
        }
        int expected = luhnCheckDigit(value.substring(0, 14));
        if (value.charAt(14) - '0' != expected) {
            throw new IllegalArgumentException("IMEI Luhn check digit is " + value.charAt(14)
                    + ", expected " + expected + ": '" + value + "'");
        }
    }

    /** Type Allocation Code: make and model. */
    public String tac() {
        return value.substring(0, 8);
    }

    /** The Luhn (ISO/IEC 7812-1 Annex B) check digit for {@code digits}. */
    public static int luhnCheckDigit(String digits) {
        int sum = 0;
        boolean dbl = true; // the digit left of the check digit is doubled
        for (int i = digits.length() - 1; i >= 0; i--) {
            int d = digits.charAt(i) - '0';
            if (d < 0 || d > 9) {
                throw new IllegalArgumentException("not a digit at " + i + ": '" + digits + "'");
            }
            if (dbl) {
                d *= 2;
                if (d > 9) {
                    d -= 9;
                }
            }
            sum += d;
            dbl = !dbl;
        }
        return (10 - sum % 10) % 10;
    }

    @Override
    public String toString() {
        return value;
    }
}
