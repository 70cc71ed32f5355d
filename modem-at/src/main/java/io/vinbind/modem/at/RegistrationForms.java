package io.vinbind.modem.at;

/**
 * Tells the solicited answer to {@code AT+CREG?} ({@code +CREG: <n>,<stat>[,<lac>,<ci>[,<AcT>]]}) from the
 * unsolicited report ({@code +CREG: <stat>[,<lac>,<ci>[,<AcT>]]}) — they share a prefix (27.007 §7.2,
 * likewise {@code +CGREG}, {@code +CEREG}, {@code +C5GREG}). The solicited form always has an unquoted
 * decimal second field (the stat); the unsolicited form has one field, or a quoted location area second.
 */
public final class RegistrationForms {

    private RegistrationForms() {
    }

    /** True if {@code line} is the solicited (read-command) form. */
    public static boolean isSolicited(String line) {
        int colon = line.indexOf(':');
        if (colon < 0) {
            return false;
        }
        String[] fields = line.substring(colon + 1).split(",", -1);
        if (fields.length < 2) {
            return false;
        }
        String second = fields[1].strip();
        if (second.isEmpty() || second.length() > 2) {
            return false;
        }
        for (int i = 0; i < second.length(); i++) {
            if (!Character.isDigit(second.charAt(i))) {
                return false;
            }
        }
        return true;
    }
}
