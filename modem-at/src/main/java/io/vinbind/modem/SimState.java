package io.vinbind.modem;

import java.util.Locale;
import java.util.Optional;

/**
 * The SIM's state as {@code AT+CPIN?} reports it (3GPP TS 27.007 §8.3), plus the states modems report
 * instead of a {@code +CPIN} code ({@code +CME ERROR: 10/13/14}, Quectel/SIMCom {@code NOT READY} /
 * {@code NOT INSERTED}).
 */
public enum SimState {
    /** {@code READY}: no password pending; IMSI and ICCID can be read. */
    READY,
    /** {@code SIM PIN}. */
    PIN_REQUIRED,
    /** {@code SIM PUK}: PIN blocked after three wrong attempts. */
    PUK_REQUIRED,
    /** {@code SIM PIN2}. */
    PIN2_REQUIRED,
    /** {@code SIM PUK2}. */
    PUK2_REQUIRED,
    /** {@code PH-SIM PIN}, {@code PH-NET PIN}, … : the device is locked to a SIM, network or provider. */
    DEVICE_LOCKED,
    /** {@code +CME ERROR: 10} or {@code +CPIN: NOT INSERTED}. */
    NOT_INSERTED,
    /** {@code +CPIN: NOT READY} (Quectel, during SIM initialisation). */
    NOT_READY,
    /** {@code +CME ERROR: 13}: the card does not answer properly. */
    FAILURE,
    /** {@code +CME ERROR: 14}: the card is busy, try again. */
    BUSY;

    /** True if identities can be read. */
    public boolean isReady() {
        return this == READY;
    }

    /** Maps a {@code +CPIN:} code (quotes and case ignored), or empty if unknown. */
    public static Optional<SimState> fromCpinCode(String code) {
        String c = code.strip();
        if (c.length() >= 2 && c.startsWith("\"") && c.endsWith("\"")) {
            c = c.substring(1, c.length() - 1).strip();
        }
        c = c.toUpperCase(Locale.ROOT);
        return switch (c) {
            case "READY" -> Optional.of(READY);
            case "SIM PIN" -> Optional.of(PIN_REQUIRED);
            case "SIM PUK" -> Optional.of(PUK_REQUIRED);
            case "SIM PIN2" -> Optional.of(PIN2_REQUIRED);
            case "SIM PUK2" -> Optional.of(PUK2_REQUIRED);
            case "NOT INSERTED", "SIM REMOVED", "ABSENT" -> Optional.of(NOT_INSERTED);
            case "NOT READY" -> Optional.of(NOT_READY);
            default -> c.startsWith("PH-") || c.startsWith("PH_") ? Optional.of(DEVICE_LOCKED) : Optional.empty();
        };
    }
}
