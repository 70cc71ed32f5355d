package io.vinbind.modem.at;

import java.util.Locale;
import java.util.Optional;

/** The {@code +CME ERROR} codes a terminal acts on (3GPP TS 27.007 §9.2.1); others keep their number. */
public enum CmeErrorCode {
    PHONE_FAILURE(0, "phone failure"),
    OPERATION_NOT_ALLOWED(3, "operation not allowed"),
    OPERATION_NOT_SUPPORTED(4, "operation not supported"),
    SIM_NOT_INSERTED(10, "SIM not inserted"),
    SIM_PIN_REQUIRED(11, "SIM PIN required"),
    SIM_PUK_REQUIRED(12, "SIM PUK required"),
    SIM_FAILURE(13, "SIM failure"),
    SIM_BUSY(14, "SIM busy"),
    SIM_WRONG(15, "SIM wrong"),
    INCORRECT_PASSWORD(16, "incorrect password"),
    MEMORY_FULL(20, "memory full"),
    INVALID_INDEX(21, "invalid index"),
    NOT_FOUND(22, "not found"),
    NO_NETWORK_SERVICE(30, "no network service"),
    NETWORK_TIMEOUT(31, "network timeout"),
    INCORRECT_PARAMETERS(50, "incorrect parameters"),
    UNKNOWN(100, "unknown");

    private final int number;
    private final String text;

    CmeErrorCode(int number, String text) {
        this.number = number;
        this.text = text;
    }

    /** The numeric code used with {@code AT+CMEE=1}. */
    public int number() {
        return number;
    }

    /** The verbose text used with {@code AT+CMEE=2}. */
    public String text() {
        return text;
    }

    public static Optional<CmeErrorCode> fromNumber(int n) {
        for (CmeErrorCode c : values()) {
            if (c.number == n) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    /** Maps verbose text (case and surrounding quotes ignored) to a code. */
    public static Optional<CmeErrorCode> fromText(String t) {
        String s = t.strip();
        if (s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")) {
            s = s.substring(1, s.length() - 1);
        }
        s = s.toLowerCase(Locale.ROOT);
        for (CmeErrorCode c : values()) {
            if (c.text.toLowerCase(Locale.ROOT).equals(s)) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }
}
