package io.vinbind.terminal.state;

import java.util.Objects;

/** What is on disk, read without side effects (for {@code terminal status} and for {@link StateStore#load}). */
public sealed interface StateReading {

    /** No state file: a terminal that has never run. */
    record Missing() implements StateReading {
    }

    /** A complete state file that passed its integrity check. */
    record Present(TerminalState state) implements StateReading {
        public Present {
            Objects.requireNonNull(state, "state");
        }
    }

    /** A state file that could not be read or failed its integrity check. */
    record Corrupt(String problem) implements StateReading {
        public Corrupt {
            Objects.requireNonNull(problem, "problem");
        }
    }
}
