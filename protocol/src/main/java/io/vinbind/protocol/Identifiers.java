package io.vinbind.protocol;

import io.vinbind.log.Untrusted;
import java.math.BigInteger;
import java.util.regex.Pattern;

/**
 * Format rules for the identifiers carried on the wire. Each {@code require…} method returns its argument
 * unchanged when it is well-formed and otherwise throws {@link IllegalArgumentException} naming the field
 * and what was wrong, so record constructors and the server's CSV import share one definition.
 *
 * <p>Only the format is checked here: whether an IMSI is registered, or an ICCID matches the registry, is
 * the server's business.
 */
public final class Identifiers {

    /** IMSI: MCC (3) + MNC (2–3) + MSIN, at most 15 decimal digits (3GPP TS 23.003 §2.2). */
    private static final Pattern IMSI = Pattern.compile("[0-9]{6,15}");

    /**
     * ICCID: ITU-T E.118, normally 19–20 digits starting 89. Modems may report a trailing {@code F} nibble of
     * padding (AT+CCID / AT+QCCID) and some Chinese operators' ICCIDs contain hex letters, so 18–22
     * upper-case hex characters are accepted.
     */
    private static final Pattern ICCID = Pattern.compile("[0-9A-F]{18,22}");

    /**
     * IMEI: 14 digits (TAC + serial) plus the Luhn check digit (3GPP TS 23.003 §6.2.1). The Luhn digit is
     * not verified: a swapped modem is detected by comparing with the registry, not by judging the digit.
     */
    private static final Pattern IMEI = Pattern.compile("[0-9]{15}");

    /**
     * Terminal ids: the CN of the terminal's certificate, issued at the terminal factory; the topic level
     * that a broker's ACL keys every terminal's subtree by. No MQTT wildcard ({@code + #}), no level
     * separator and no {@code :} (which service identities use), so one pattern rule confines each terminal.
     */
    private static final Pattern TERMINAL_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    /**
     * EID: 32 decimal digits, the last two check digits of ISO 7064 MOD 97-10 (the whole number mod 97 is 1), as
     * GSMA SGP.29 defines them; the same rule as the esim module's {@code Eid.valid}.
     */
    private static final Pattern EID = Pattern.compile("[0-9]{32}");

    private static final BigInteger NINETY_SEVEN = BigInteger.valueOf(97);

    /**
     * Model information (terminal and modem model, software and firmware versions): what modems print for
     * {@code AT+CGMM}/{@code AT+CGMR} (3GPP TS 27.007 §5.2-5.3) and build versions fit; bounded, printable, and
     * safe in logs and CSV without escaping.
     */
    private static final Pattern MODEL_TEXT = Pattern.compile("[A-Za-z0-9 ._:/+-]{1,64}");

    /** Request ids: a UUID fits; anything URL- and log-safe up to 64 characters is allowed. */
    private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

    private Identifiers() {
    }

    public static boolean isImsi(String s) {
        return s != null && IMSI.matcher(s).matches();
    }

    public static boolean isIccid(String s) {
        return s != null && ICCID.matcher(s).matches();
    }

    public static boolean isImei(String s) {
        return s != null && IMEI.matcher(s).matches();
    }

    public static boolean isTerminalId(String s) {
        return s != null && TERMINAL_ID.matcher(s).matches();
    }

    public static boolean isRequestId(String s) {
        return s != null && REQUEST_ID.matcher(s).matches();
    }

    /** Whether {@code s} is 32 digits with valid ISO 7064 MOD 97-10 check digits (GSMA SGP.29). */
    public static boolean isEid(String s) {
        return s != null && EID.matcher(s).matches() && new BigInteger(s).mod(NINETY_SEVEN).intValue() == 1;
    }

    /** Whether {@code s} is 1-64 characters of {@code A-Z a-z 0-9 space . _ : / + -}. */
    public static boolean isModelText(String s) {
        return s != null && MODEL_TEXT.matcher(s).matches();
    }

    public static String requireImsi(String s) {
        return require("imsi", s, isImsi(s), "6-15 decimal digits (3GPP TS 23.003)");
    }

    public static String requireIccid(String s) {
        return require("iccid", s, isIccid(s), "18-22 characters 0-9 A-F (ITU-T E.118)");
    }

    public static String requireImei(String s) {
        return require("imei", s, isImei(s), "15 decimal digits (3GPP TS 23.003)");
    }

    public static String requireTerminalId(String s) {
        return require("terminalId", s, isTerminalId(s), "1-64 characters from A-Z a-z 0-9 . _ - (first not . _ -)");
    }

    public static String requireRequestId(String s) {
        return require("requestId", s, isRequestId(s), "1-64 characters from A-Z a-z 0-9 . _ : -");
    }

    public static String requireEid(String s) {
        if (s != null && EID.matcher(s).matches() && !isEid(s)) {
            throw new InvalidFieldException("eid", "eid '" + s + "' has wrong check digits (ISO 7064 MOD 97-10, GSMA SGP.29)");
        }
        return require("eid", s, isEid(s), "32 decimal digits (GSMA SGP.29)");
    }

    /**
     * Model information in field {@code field} (terminalModel, softwareVersion, modemModel, modemFirmware).
     *
     * @throws IllegalArgumentException naming {@code field} when {@code s} is missing or not 1-64 characters of
     *     {@code A-Z a-z 0-9 space . _ : / + -}
     */
    public static String requireModelText(String field, String s) {
        return require(field, s, isModelText(s), "1-64 characters from A-Z a-z 0-9 space . _ : / + -");
    }

    private static String require(String field, String value, boolean ok, String rule) {
        if (value == null) {
            throw new InvalidFieldException(field, field + " is missing");
        }
        if (!ok) {
            throw new InvalidFieldException(field, field + " '" + printable(value) + "' is not " + rule);
        }
        return value;
    }

    /**
     * Renders untrusted input for an error message: bounded length (40 characters), control and non-ASCII
     * characters escaped. Public for the other modules' messages about the same identifiers and the text that
     * comes with them (the server's CSV import).
     */
    public static String printable(String value) {
        return Untrusted.escape(value, 40);
    }

    /** {@code text} escaped whole, for messages that quote what a parser refused and are logged. */
    public static String escaped(String text) {
        return Untrusted.escape(text, Integer.MAX_VALUE);
    }
}
