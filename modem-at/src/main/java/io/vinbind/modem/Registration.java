package io.vinbind.modem;

import io.vinbind.modem.at.RegistrationForms;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One registration report, solicited ({@code +CEREG: <n>,<stat>[,<tac>,<ci>[,<AcT>]]}) or unsolicited
 * ({@code +CEREG: <stat>[,<tac>,<ci>[,<AcT>]]}) — 3GPP TS 27.007 §7.2 / §10.1.20 / §10.1.22.
 *
 * @param domain   which registration
 * @param state    the stat
 * @param area     LAC or TAC as hex, without quotes, if reported
 * @param cellId   cell id as hex, without quotes, if reported
 * @param accessTechnology AcT, if reported
 * @param rawLine  the line as received
 */
public record Registration(RegistrationDomain domain, RegistrationState state, Optional<String> area,
                           Optional<String> cellId, Optional<AccessTechnology> accessTechnology, String rawLine) {

    public Registration {
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(area, "area");
        Objects.requireNonNull(cellId, "cellId");
        Objects.requireNonNull(accessTechnology, "accessTechnology");
        Objects.requireNonNull(rawLine, "rawLine");
    }

    public boolean isRegistered() {
        return state.isRegistered();
    }

    /**
     * Parses either form of a registration line.
     *
     * @throws IllegalArgumentException naming the line if it is not a registration report
     */
    public static Registration parse(String line) {
        Objects.requireNonNull(line, "line");
        RegistrationDomain domain = RegistrationDomain.ofLine(line.strip());
        if (domain == null) {
            throw new IllegalArgumentException("not a registration report: '" + line + "'");
        }
        List<String> f = fields(line.substring(line.indexOf(':') + 1));
        int statIndex = RegistrationForms.isSolicited(line) ? 1 : 0;
        if (f.size() <= statIndex || f.get(statIndex).isEmpty()) {
            throw new IllegalArgumentException("registration report without <stat>: '" + line + "'");
        }
        int stat = parseInt(f.get(statIndex), "stat", line);
        RegistrationState state = RegistrationState.fromStat(stat).orElseThrow(
                () -> new IllegalArgumentException("unknown registration <stat> " + stat + ": '" + line + "'"));
        Optional<String> area = optionalField(f, statIndex + 1);
        Optional<String> cell = optionalField(f, statIndex + 2);
        Optional<AccessTechnology> act = optionalField(f, statIndex + 3)
                .flatMap(s -> AccessTechnology.fromCode(parseInt(s, "AcT", line)));
        return new Registration(domain, state, area, cell, act, line.strip());
    }

    private static Optional<String> optionalField(List<String> f, int i) {
        return i < f.size() && !f.get(i).isEmpty() ? Optional.of(f.get(i)) : Optional.empty();
    }

    /** Splits on commas, strips blanks and surrounding quotes from each field. */
    static List<String> fields(String s) {
        List<String> out = new ArrayList<>();
        for (String part : s.split(",", -1)) {
            String p = part.strip();
            if (p.length() >= 2 && p.startsWith("\"") && p.endsWith("\"")) {
                p = p.substring(1, p.length() - 1);
            }
            out.add(p);
        }
        return out;
    }

    static int parseInt(String s, String what, String line) {
        try {
            return Integer.parseInt(s.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("<" + what + "> is not a number ('" + s + "') in '" + line + "'", e);
        }
    }
}
