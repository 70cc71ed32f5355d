package io.vinbind.terminal.port;

import java.util.Objects;

/** The modem could not do what binding needs. Names the step and what the modem said. */
public final class ModemException extends Exception {

    private static final long serialVersionUID = 1L;

    /** What went wrong, in terms of what the terminal should do about it. */
    public enum Kind {
        /** {@code +CME ERROR: 10} SIM not inserted: needs a person. */
        SIM_ABSENT(true),
        /** SIM PIN / PUK / PH-NET PIN required (CME 11, 12): needs a person. */
        SIM_LOCKED(true),
        /** SIM failure or busy (CME 13, 14): may clear. */
        SIM_FAILURE(false),
        /** Registration denied ({@code +CEREG: …,3}): the network refused; may change with location. */
        REGISTRATION_DENIED(false),
        /** No registration within the bounded wait (searching, no coverage). */
        NO_NETWORK(false),
        /** Registered but the data context could not be activated. */
        DATA_FAILED(false),
        /** No answer to AT commands within bounds, or the serial link failed. */
        UNRESPONSIVE(false);

        private final boolean needsPerson;

        Kind(boolean needsPerson) {
            this.needsPerson = needsPerson;
        }

        /** True when retrying on this ignition cannot help: a SIM must be inserted or unlocked. */
        public boolean needsPerson() {
            return needsPerson;
        }
    }

    private final Kind kind;

    public ModemException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    public ModemException(Kind kind, String message) {
        this(kind, message, null);
    }

    public Kind kind() {
        return kind;
    }
}
