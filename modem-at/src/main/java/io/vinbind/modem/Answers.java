package io.vinbind.modem;

import io.vinbind.modem.at.Urc;
import io.vinbind.modem.at.UrcKind;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Parsers for single answer lines, kept apart from the command flow so the tables of real-world shapes
 * in the tests exercise them directly. Each throws {@link IllegalArgumentException} naming the line.
 */
final class Answers {

    /** SW1 values that mean success for a SIM command (ETSI TS 102 221 §10.2.1: 90, 91, 92). */
    private static final List<Integer> SW1_SUCCESS = List.of(0x90, 0x91, 0x92);

    private Answers() {
    }

    /** {@code +CPIN: READY}, {@code +CPIN: "SIM PIN"}, … → state. */
    static SimState cpin(String line) {
        if (!line.regionMatches(true, 0, "+CPIN:", 0, 6)) {
            throw new IllegalArgumentException("not a +CPIN answer: '" + line + "'");
        }
        String code = line.substring(6).strip();
        return SimState.fromCpinCode(code).orElseThrow(
                () -> new IllegalArgumentException("unknown +CPIN code '" + code + "' in '" + line + "'"));
    }

    /**
     * The value of an identity answer that modems print bare ({@code 460011234567890}) or with their own
     * prefix and quotes ({@code +CIMI: "460011234567890"}, {@code +CGSN: 8675…}, {@code +QCCID: 8986…}).
     */
    static String bareValue(String line) {
        String s = line.strip();
        if (s.startsWith("+") || s.startsWith("^")) {
            int colon = s.indexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("prefixed answer without ':' in '" + line + "'");
            }
            s = s.substring(colon + 1).strip();
        }
        if (s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")) {
            s = s.substring(1, s.length() - 1).strip();
        }
        if (s.isEmpty()) {
            throw new IllegalArgumentException("empty value in '" + line + "'");
        }
        return s;
    }

    static Imsi imsi(String line) {
        return Imsi.of(bareValue(line));
    }

    static Imei imei(String line) {
        return new Imei(bareValue(line));
    }

    static Iccid iccid(String line) {
        return Iccid.parse(bareValue(line));
    }

    /**
     * {@code +CRSM: <sw1>,<sw2>[,<response>]} (27.007 §8.18) for READ BINARY of EF_ICCID: the data is
     * the nibble-swapped BCD ICCID.
     */
    static Iccid iccidFromCrsm(String line) {
        if (!line.regionMatches(true, 0, "+CRSM:", 0, 6)) {
            throw new IllegalArgumentException("not a +CRSM answer: '" + line + "'");
        }
        List<String> f = Registration.fields(line.substring(6));
        if (f.size() < 2) {
            throw new IllegalArgumentException("+CRSM answer without <sw1>,<sw2>: '" + line + "'");
        }
        int sw1 = Registration.parseInt(f.get(0), "sw1", line);
        int sw2 = Registration.parseInt(f.get(1), "sw2", line);
        if (!SW1_SUCCESS.contains(sw1)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "SIM refused READ BINARY EF_ICCID with status %02X%02X: '%s'", sw1, sw2, line));
        }
        if (f.size() < 3 || f.get(2).isEmpty()) {
            throw new IllegalArgumentException("+CRSM answer without data: '" + line + "'");
        }
        return Iccid.fromEfIccid(f.get(2));
    }

    /** Whether {@code +CGACT: <cid>,<state>} lines (27.007 §10.1.10) show {@code cid} active. */
    static boolean cgactActive(List<String> lines, int cid) {
        for (String l : lines) {
            if (l.regionMatches(true, 0, "+CGACT:", 0, 7)) {
                List<String> f = Registration.fields(l.substring(7));
                if (f.size() >= 2 && Registration.parseInt(f.get(0), "cid", l) == cid) {
                    return Registration.parseInt(f.get(1), "state", l) == 1;
                }
            }
        }
        return false;
    }

    /** Whether {@code +QIACT: <ctx>,<state>,<type>,<ip>} lines (Quectel TCP/IP AT manual) show {@code cid} active. */
    static boolean qiactActive(List<String> lines, int cid) {
        for (String l : lines) {
            if (l.regionMatches(true, 0, "+QIACT:", 0, 7)) {
                List<String> f = Registration.fields(l.substring(7));
                if (f.size() >= 2 && Registration.parseInt(f.get(0), "contextID", l) == cid) {
                    return Registration.parseInt(f.get(1), "context_state", l) == 1;
                }
            }
        }
        return false;
    }

    /**
     * The context a data-drop URC is about: {@code +QIURC: "pdpdeact",<ctx>} (Quectel) or a {@code +CGEV}
     * deactivation ({@code NW PDN DEACT <cid>}, {@code ME PDN DEACT <cid>}, {@code NW DEACT <type>,<addr>[,<cid>]})
     * or detach ({@code NW DETACH}, {@code ME DETACH}: -1, every context) — 27.007 §10.1.19. Empty for other URCs.
     */
    static Optional<Integer> droppedContext(Urc urc) {
        String p = urc.payload();
        if (urc.kind() == UrcKind.QIURC) {
            List<String> f = Registration.fields(p);
            if (!f.isEmpty() && f.get(0).equalsIgnoreCase("pdpdeact")) {
                return Optional.of(f.size() > 1 && !f.get(1).isEmpty()
                        ? Registration.parseInt(f.get(1), "contextID", urc.line()) : -1);
            }
            return Optional.empty();
        }
        if (urc.kind() != UrcKind.CGEV) {
            return Optional.empty();
        }
        String u = p.toUpperCase(Locale.ROOT);
        if (u.startsWith("NW DETACH") || u.startsWith("ME DETACH")) {
            return Optional.of(-1);
        }
        for (String ev : List.of("NW PDN DEACT", "ME PDN DEACT")) {
            if (u.startsWith(ev)) {
                String rest = p.substring(ev.length()).strip();
                List<String> f = Registration.fields(rest);
                return Optional.of(f.isEmpty() || f.get(0).isEmpty() ? -1 : Registration.parseInt(f.get(0), "cid", urc.line()));
            }
        }
        for (String ev : List.of("NW DEACT", "ME DEACT")) {
            if (u.startsWith(ev)) {
                List<String> f = Registration.fields(p.substring(ev.length()).strip());
                // <PDP_type>,<PDP_addr>[,<cid>]
                return Optional.of(f.size() >= 3 && !f.get(2).isEmpty()
                        ? Registration.parseInt(f.get(2), "cid", urc.line()) : -1);
            }
        }
        return Optional.empty();
    }
}
