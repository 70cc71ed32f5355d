package io.vinbind.modem.uicc;

import io.vinbind.log.Untrusted;
import io.vinbind.modem.at.AtResponse;
import java.util.HexFormat;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The text forms of 3GPP TS 27.007 {@code AT+CGLA} (§8.43) and {@code AT+CSIM} (§8.17): the command with the APDU
 * as {@code <length>,"<hex>"} where length counts hex characters (two per byte), and the answer
 * {@code +CGLA: <length>,"<hex>"} / {@code +CSIM: <length>,"<hex>"} with the response and SW1 SW2.
 */
final class AtApdu {

    private static final HexFormat HEX = HexFormat.of().withUpperCase();
    /** {@code +CGLA: 4,"9000"}; the quotes are optional (some firmware leaves them out), spaces around the comma too. */
    private static final Pattern ANSWER = Pattern.compile("\\+(CGLA|CSIM):\\s*([0-9]{1,6})\\s*,\\s*(.*?)\\s*", Pattern.CASE_INSENSITIVE);

    private AtApdu() {
    }

    static String hex(byte[] b) {
        return HEX.formatHex(b);
    }

    static String cgla(int session, byte[] apdu) {
        return "AT+CGLA=" + session + "," + apdu.length * 2 + ",\"" + hex(apdu) + "\"";
    }

    static String csim(byte[] apdu) {
        return "AT+CSIM=" + apdu.length * 2 + ",\"" + hex(apdu) + "\"";
    }

    /**
     * The response APDU in an OK answer to {@code AT+CGLA}/{@code AT+CSIM}.
     *
     * @param prefix {@code "+CGLA:"} or {@code "+CSIM:"}
     */
    static byte[] response(AtResponse r, String prefix) throws UiccException {
        String line = r.firstWithPrefix(prefix).orElse(null);
        if (line == null) {
            throw fail(r, UiccException.Reason.NO_STATUS_WORD, "OK without a " + prefix + " line");
        }
        Matcher m = ANSWER.matcher(line);
        if (!m.matches()) {
            throw fail(r, UiccException.Reason.BAD_HEX, "answer is not " + prefix + " <length>,\"<hex>\": '"
                    + Untrusted.escape(line) + "'");
        }
        int length = Integer.parseInt(m.group(2));
        String text = m.group(3);
        if (text.length() >= 2 && text.startsWith("\"") && text.endsWith("\"")) {
            text = text.substring(1, text.length() - 1);
        } else if (text.startsWith("\"") || text.endsWith("\"")) {
            throw fail(r, UiccException.Reason.BAD_HEX, "unbalanced quote in '" + Untrusted.escape(text) + "'");
        }
        byte[] bytes = parseHex(r, text);
        if (length != text.length()) {
            throw fail(r, UiccException.Reason.BAD_LENGTH, "length field " + length + " but " + text.length()
                    + " hex characters follow (27.007 counts two per byte)");
        }
        if (bytes.length < 2) {
            throw fail(r, UiccException.Reason.NO_STATUS_WORD, "response of " + bytes.length
                    + " bytes has no status word: '" + Untrusted.escape(text) + "'");
        }
        return bytes;
    }

    private static byte[] parseHex(AtResponse r, String text) throws UiccException {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.digit(c, 16) < 0) {
                throw fail(r, UiccException.Reason.BAD_HEX, "character '" + Untrusted.escape(String.valueOf(c))
                        + "' at offset " + i + " is not a hex digit: '" + Untrusted.escape(text) + "'");
            }
        }
        if (text.length() % 2 != 0) {
            throw fail(r, UiccException.Reason.BAD_HEX, "odd number (" + text.length() + ") of hex digits: '"
                    + Untrusted.escape(text) + "'");
        }
        return HexFormat.of().parseHex(text);
    }

    private static UiccException fail(AtResponse r, UiccException.Reason reason, String message) {
        // the modem said OK: the card executed the APDU, only its answer is unusable
        return new UiccException(r.command(), r.lines(), reason, message, OptionalInt.empty(), Optional.empty(), true);
    }

    /** Checks the framing of a short command APDU (ISO/IEC 7816-4 §5.1: header, optional Lc + data, optional Le). */
    static byte[] checkCommand(byte[] apdu) {
        if (apdu == null) {
            throw new IllegalArgumentException("command APDU is null");
        }
        if (apdu.length < 4 || apdu.length > Uicc.MAX_APDU) {
            throw new IllegalArgumentException("a short command APDU has 4-" + Uicc.MAX_APDU + " bytes, got " + apdu.length);
        }
        if (apdu.length > 5) {
            int lc = apdu[4] & 0xFF;
            if (lc == 0 || (apdu.length != 5 + lc && apdu.length != 6 + lc)) {
                throw new IllegalArgumentException("command APDU of " + apdu.length + " bytes does not match its Lc "
                        + lc + " (expected " + (5 + lc) + " or " + (6 + lc) + " bytes; extended APDUs are not carried)");
            }
        }
        return apdu.clone();
    }

    /** The command again with Le = {@code le} (for {@code 6Cxx}). */
    static byte[] withLe(byte[] apdu, int le) {
        if (apdu.length == 4) {
            byte[] out = java.util.Arrays.copyOf(apdu, 5);
            out[4] = (byte) le;
            return out;
        }
        if (apdu.length == 5) {
            byte[] out = apdu.clone();
            out[4] = (byte) le;
            return out;
        }
        int lc = apdu[4] & 0xFF;
        byte[] out = java.util.Arrays.copyOf(apdu, 6 + lc);
        out[5 + lc] = (byte) le;
        return out;
    }
}
