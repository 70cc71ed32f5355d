package io.vinbind.modem;

import java.time.Instant;
import java.util.Objects;

/** What the terminal reacts to while the modem runs, delivered to {@link Modem#onEvent} listeners. */
public sealed interface ModemEvent {

    Instant at();

    /** The modem reset ({@code RDY}, or its port vanished and returned): run {@link Modem#initialise()} again. */
    record Reset(String cause, Instant at) implements ModemEvent {
        public Reset {
            Objects.requireNonNull(cause, "cause");
            Objects.requireNonNull(at, "at");
        }
    }

    /** The serial port vanished; commands fail until it returns. */
    record LinkLost(String reason, Instant at) implements ModemEvent {
        public LinkLost {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(at, "at");
        }
    }

    /** Several commands in a row timed out: the modem should be power-cycled. */
    record Unresponsive(int consecutiveTimeouts, String lastCommand, Instant at) implements ModemEvent {
        public Unresponsive {
            Objects.requireNonNull(lastCommand, "lastCommand");
            Objects.requireNonNull(at, "at");
        }
    }

    /** An unsolicited registration report arrived. */
    record RegistrationChanged(Registration registration, Instant at) implements ModemEvent {
        public RegistrationChanged {
            Objects.requireNonNull(registration, "registration");
            Objects.requireNonNull(at, "at");
        }
    }

    /** An unsolicited {@code +CPIN:} arrived (SIM inserted, removed, initialised). */
    record SimStateChanged(SimState state, Instant at) implements ModemEvent {
        public SimStateChanged {
            Objects.requireNonNull(state, "state");
            Objects.requireNonNull(at, "at");
        }
    }

    /**
     * The data context dropped: {@code +QIURC: "pdpdeact",<ctx>} (Quectel) or a {@code +CGEV} deactivation /
     * detach (27.007 §10.1.19). {@code contextId} is -1 for a detach that drops every context.
     */
    record DataContextDropped(int contextId, String rawLine, Instant at) implements ModemEvent {
        public DataContextDropped {
            Objects.requireNonNull(rawLine, "rawLine");
            Objects.requireNonNull(at, "at");
        }
    }
}
