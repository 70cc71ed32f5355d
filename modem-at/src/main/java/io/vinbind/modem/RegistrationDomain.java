package io.vinbind.modem;

/** Which registration a report is about; each has its own command and URC. */
public enum RegistrationDomain {
    /** Circuit switched: {@code AT+CREG} (27.007 §7.2). */
    CS("+CREG:", "AT+CREG"),
    /** GPRS / packet switched in 2G/3G: {@code AT+CGREG} (§10.1.20). */
    GPRS("+CGREG:", "AT+CGREG"),
    /** EPS (LTE): {@code AT+CEREG} (§10.1.22). */
    EPS("+CEREG:", "AT+CEREG"),
    /** 5GS: {@code AT+C5GREG} (§10.1.42). */
    FIVE_GS("+C5GREG:", "AT+C5GREG");

    private final String prefix;
    private final String command;

    RegistrationDomain(String prefix, String command) {
        this.prefix = prefix;
        this.command = command;
    }

    /** The response / URC prefix, e.g. {@code +CEREG:}. */
    public String prefix() {
        return prefix;
    }

    /** The command without suffix, e.g. {@code AT+CEREG}. */
    public String command() {
        return command;
    }

    /** The domain of a registration line, or null if none matches. */
    static RegistrationDomain ofLine(String line) {
        for (RegistrationDomain d : values()) {
            if (line.regionMatches(true, 0, d.prefix, 0, d.prefix.length())) {
                return d;
            }
        }
        return null;
    }
}
