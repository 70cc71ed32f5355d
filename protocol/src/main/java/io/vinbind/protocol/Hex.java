package io.vinbind.protocol;

/** Hex fields of the eSIM relay messages: an even number of 0-9 A-F a-f, bounded in bytes. */
final class Hex {

    private Hex() {
    }

    static String require(String field, String value, int minBytes, int maxBytes) {
        if (value == null) {
            throw new InvalidFieldException(field, field + " is missing");
        }
        boolean hex = value.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f'));
        if (!hex || value.length() % 2 != 0) {
            throw new InvalidFieldException(field, field + " '" + Identifiers.printable(value)
                + "' is not an even number of hex digits");
        }
        int bytes = value.length() / 2;
        if (bytes < minBytes || bytes > maxBytes) {
            throw new InvalidFieldException(field, field + " has " + bytes + " bytes, allowed " + minBytes + "-" + maxBytes);
        }
        return value;
    }
}
