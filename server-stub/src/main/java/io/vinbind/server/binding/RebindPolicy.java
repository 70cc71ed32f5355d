package io.vinbind.server.binding;

import java.util.Locale;

/** What the server does when an upload would change an existing binding (rules 2 and 4). */
public enum RebindPolicy {
    /** Rebind at once; the history keeps the old pair. The default. */
    AUTO,
    /** Hold the rebind until an operator approves it through the API; the terminal gets PENDING. */
    HOLD,
    /** Refuse; only after-sales (manual unbind) can change a binding. */
    REJECT;

    /** Parses {@code auto}, {@code hold} or {@code reject} (any case). */
    public static RebindPolicy parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("rebind policy '" + text + "' is not auto, hold or reject");
        }
    }
}
