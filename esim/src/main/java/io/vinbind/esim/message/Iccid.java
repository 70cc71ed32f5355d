package io.vinbind.esim.message;

/**
 * An ICCID: 18-20 decimal digits (ITU-T E.118), carried in RSP as EF.ICCID codes it (tag 5A, SGP.22
 * {@code Iccid}): 10 bytes of BCD with the nibbles of each byte swapped, padded with F.
 *
 * @param digits the decimal digits
 */
public record Iccid(String digits) {

    public Iccid {
        if (digits == null || !digits.matches("[0-9]{18,20}")) {
            throw new IllegalArgumentException("ICCID must be 18-20 decimal digits, got "
                + (digits == null ? "null" : "'" + digits.replaceAll("[^\\x20-\\x7e]", "?") + "'"));
        }
    }

    /** The 10 EF.ICCID bytes. */
    public byte[] toEf() {
        return swappedBcd(digits, 10);
    }

    /** Decodes 10 EF.ICCID bytes. */
    public static Iccid fromEf(byte[] ef) {
        if (ef == null || ef.length != 10) {
            throw new IllegalArgumentException("EF.ICCID must be 10 bytes, got " + (ef == null ? "null" : ef.length));
        }
        StringBuilder s = new StringBuilder();
        for (byte b : ef) {
            int lo = b & 0x0F;
            int hi = (b >> 4) & 0x0F;
            for (int nibble : new int[] {lo, hi}) {
                if (nibble == 0xF) {
                    continue;
                }
                if (nibble > 9) {
                    throw new IllegalArgumentException(String.format("EF.ICCID has a non-decimal nibble %X", nibble));
                }
                s.append((char) ('0' + nibble));
            }
        }
        return new Iccid(s.toString());
    }

    static byte[] swappedBcd(String digits, int length) {
        byte[] out = new byte[length];
        java.util.Arrays.fill(out, (byte) 0xFF);
        for (int i = 0; i < digits.length(); i++) {
            int d = digits.charAt(i) - '0';
            int idx = i / 2;
            if (i % 2 == 0) {
                out[idx] = (byte) ((out[idx] & 0xF0) | d);
            } else {
                out[idx] = (byte) ((out[idx] & 0x0F) | (d << 4));
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return digits;
    }
}
