package io.vinbind.esim.pki;

import java.math.BigInteger;

/**
 * EIDs: 32 decimal digits whose last two are check digits computed as ISO 7064 MOD 97-10 (the whole number
 * mod 97 is 1), as GSMA SGP.29 defines them.
 */
public final class Eid {
    private Eid() {
    }

    /** Appends the two check digits to 30 leading digits. */
    public static String withCheckDigits(String first30) {
        if (first30 == null || !first30.matches("[0-9]{30}")) {
            throw new IllegalArgumentException("an EID without check digits is 30 digits");
        }
        int check = 98 - new BigInteger(first30 + "00").mod(BigInteger.valueOf(97)).intValue();
        return first30 + String.format("%02d", check);
    }

    public static boolean valid(String eid) {
        return eid != null && eid.matches("[0-9]{32}") && new BigInteger(eid).mod(BigInteger.valueOf(97)).intValue() == 1;
    }

    /** The 16 bytes of an EID (BCD, no nibble swap: GetEID's 5A value). */
    public static byte[] toBytes(String eid) {
        if (eid == null || !eid.matches("[0-9]{32}")) {
            throw new IllegalArgumentException("EID must be 32 digits");
        }
        return java.util.HexFormat.of().parseHex(eid);
    }

    public static String fromBytes(byte[] b) {
        if (b.length != 16) {
            throw new IllegalArgumentException("EID must be 16 bytes");
        }
        return java.util.HexFormat.of().formatHex(b);
    }
}
