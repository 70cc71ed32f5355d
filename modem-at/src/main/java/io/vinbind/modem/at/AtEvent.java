package io.vinbind.modem.at;

import java.time.Instant;
import java.util.Objects;

/** Conditions the terminal must react to (re-initialise, mark the modem unresponsive), as values. */
public sealed interface AtEvent {

    Instant at();

    /** How a reset was noticed. */
    enum ResetCause {
        /** The modem printed {@code RDY}: it rebooted (power glitch, watchdog, firmware crash). */
        RDY,
        /** The serial device vanished and came back (USB re-enumeration after a modem reset). */
        PORT_RETURNED
    }

    /** The modem restarted: its settings (echo, CMEE, URC enables, PDP contexts) are back to defaults. */
    record ModemReset(ResetCause cause, String detail, Instant at) implements AtEvent {
        public ModemReset {
            Objects.requireNonNull(cause, "cause");
            Objects.requireNonNull(detail, "detail");
            Objects.requireNonNull(at, "at");
        }
    }

    /** The serial device vanished; commands fail until it returns (if the engine can re-open it). */
    record LinkLost(String link, String reason, Instant at) implements AtEvent {
        public LinkLost {
            Objects.requireNonNull(link, "link");
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(at, "at");
        }
    }

    /**
     * {@code consecutiveTimeouts} commands in a row got no final result code: treat the modem as
     * unresponsive (power-cycle it) instead of waiting on it forever. Raised once per streak.
     */
    record Unresponsive(int consecutiveTimeouts, String lastCommand, Instant at) implements AtEvent {
        public Unresponsive {
            Objects.requireNonNull(lastCommand, "lastCommand");
            Objects.requireNonNull(at, "at");
            if (consecutiveTimeouts < 1) {
                throw new IllegalArgumentException("consecutiveTimeouts must be >= 1: " + consecutiveTimeouts);
            }
        }
    }
}
