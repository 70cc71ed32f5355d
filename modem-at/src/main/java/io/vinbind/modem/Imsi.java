package io.vinbind.modem;

import java.util.Objects;
import java.util.Set;

/**
 * International Mobile Subscriber Identity (3GPP TS 23.003 §2.2): MCC (3 digits) + MNC (2 or 3) + MSIN,
 * at most 15 digits. The IMSI itself does not say how long the MNC is (the SIM's EF_AD does); {@link #of}
 * uses the ITU-T E.212 rule that the MCCs of North America, India's 405 range and a few others assign
 * 3-digit MNCs, everybody else 2.
 *
 * @param value      the digits
 * @param mncLength  2 or 3
 */
public record Imsi(String value, int mncLength) {

    /** MCCs whose networks use 3-digit MNCs (ITU-T E.212 assignments). */
    private static final Set<String> THREE_DIGIT_MNC_MCCS = Set.of(
            "302", "310", "311", "312", "313", "314", "315", "316", "334", "338", "342", "344", "346", "348",
            "354", "356", "358", "360", "365", "376", "405", "708", "722", "732");

    public static final int MIN_LENGTH = 6;
    public static final int MAX_LENGTH = 15;

    public Imsi {
        Objects.requireNonNull(value, "value");
        if (value.length() < MIN_LENGTH || value.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("IMSI must have " + MIN_LENGTH + ".." + MAX_LENGTH
                    + " digits, got " + value.length() + ": '" + value + "'");
        }
        for (int i = 0; i < value.length(); i++) {
            if (value.charAt(i) < '0' || value.charAt(i) > '9') {
                throw new IllegalArgumentException("IMSI must be digits only, got '" + value.charAt(i)
                        + "' at " + i + ": '" + value + "'");
            }
        }
        if (mncLength != 2 && mncLength != 3) {
            throw new IllegalArgumentException("MNC length must be 2 or 3: " + mncLength);
        }
    }

    /** An IMSI with the MNC length inferred from the MCC. */
    public static Imsi of(String digits) {
        Objects.requireNonNull(digits, "digits");
        int mnc = digits.length() >= 3 && THREE_DIGIT_MNC_MCCS.contains(digits.substring(0, 3)) ? 3 : 2;
        return new Imsi(digits, mnc);
    }

    /** Mobile Country Code. */
    public String mcc() {
        return value.substring(0, 3);
    }

    /** Mobile Network Code. */
    public String mnc() {
        return value.substring(3, 3 + mncLength);
    }

    /** Mobile Subscription Identification Number. */
    public String msin() {
        return value.substring(3 + mncLength);
    }

    @Override
    public String toString() {
        return value;
    }
}
