package io.vinbind.modem.at;

import java.util.List;
import java.util.Optional;

/**
 * The unsolicited result codes the engine recognises anywhere in the byte stream. Anything else that is
 * not part of a command's answer is delivered as {@link #UNKNOWN} to catch-all listeners.
 */
public enum UrcKind {
    /** {@code +CREG: <stat>[,<lac>,<ci>[,<AcT>]]} circuit-switched registration (27.007 §7.2). */
    CREG("+CREG:"),
    /** {@code +CGREG: <stat>[,…]} GPRS registration (27.007 §10.1.20). */
    CGREG("+CGREG:"),
    /** {@code +CEREG: <stat>[,…]} EPS (LTE) registration (27.007 §10.1.22). */
    CEREG("+CEREG:"),
    /** {@code +C5GREG: <stat>[,…]} 5GS registration (27.007 §10.1.42). */
    C5GREG("+C5GREG:"),
    /** {@code +CPIN: <code>} SIM state change, e.g. after a reset or hot-swap. */
    CPIN("+CPIN:"),
    /** {@code RDY}: the modem (Quectel, SIMCom) finished booting — it was reset. */
    RDY("RDY"),
    /** {@code +CFUN: <fun>} functionality level reported after boot. */
    CFUN("+CFUN:"),
    /** {@code +QIURC: "pdpdeact",<ctx>} and other Quectel TCP/IP stack events. */
    QIURC("+QIURC:"),
    /** {@code +QUSIM: <n>} Quectel USIM/SIM type indication at boot. */
    QUSIM("+QUSIM:"),
    /** {@code +QIND: …} Quectel general indications (SMS DONE, PB DONE, …). */
    QIND("+QIND:"),
    /** {@code +CGEV: …} packet domain events, e.g. {@code NW PDN DEACT 1} (27.007 §10.1.19). */
    CGEV("+CGEV:"),
    /** {@code +CTZV:}/{@code +CTZE:} network time zone reports. */
    CTZ("+CTZV:", "+CTZE:"),
    /** Incoming call / SMS notices: {@code RING}, {@code +CRING:}, {@code +CLIP:}, {@code +CMTI:}. */
    CALL_OR_SMS("RING", "+CRING:", "+CLIP:", "+CMTI:"),
    /** SIMCom and others' boot chatter: {@code SMS DONE}, {@code PB DONE}, {@code Call Ready}, {@code SMS Ready}, {@code +PACSP}. */
    BOOT_INFO("SMS DONE", "PB DONE", "Call Ready", "SMS Ready", "+PACSP", "*ATREADY:"),
    /** {@code POWERED DOWN} / {@code NORMAL POWER DOWN}: the modem is switching off. */
    POWER_DOWN("POWERED DOWN", "NORMAL POWER DOWN"),
    /** Not recognised. */
    UNKNOWN();

    private final List<String> prefixes;

    UrcKind(String... prefixes) {
        this.prefixes = List.of(prefixes);
    }

    /** The line starts that identify this kind. */
    public List<String> prefixes() {
        return prefixes;
    }

    /** True for the registration reports whose solicited and unsolicited forms share a prefix. */
    public boolean isRegistration() {
        return this == CREG || this == CGREG || this == CEREG || this == C5GREG;
    }

    /** The kind a line belongs to, or empty when it is not a recognised URC. */
    public static Optional<UrcKind> of(String line) {
        for (UrcKind k : values()) {
            for (String p : k.prefixes) {
                if (matches(line, p)) {
                    return Optional.of(k);
                }
            }
        }
        return Optional.empty();
    }

    /** "+X:" prefixes match by start; bare words ("RDY", "+PACSP") match whole or followed by a non-letter. */
    private static boolean matches(String line, String p) {
        if (!line.regionMatches(true, 0, p, 0, p.length())) {
            return false;
        }
        if (p.endsWith(":") || line.length() == p.length()) {
            return true;
        }
        return !Character.isLetter(line.charAt(p.length()));
    }
}
