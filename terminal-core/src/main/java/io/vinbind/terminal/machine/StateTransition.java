package io.vinbind.terminal.machine;

import java.time.Instant;
import java.util.Objects;

/**
 * One edge the machine took.
 *
 * @param from    the state left
 * @param to      the state entered
 * @param at      when (machine clock)
 * @param attempt the attempt number within the current power cycle (0 before the first)
 * @param cause   why, for people and logs
 */
public record StateTransition(BindingState from, BindingState to, Instant at, int attempt, String cause) {
    public StateTransition {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(cause, "cause");
    }

    @Override
    public String toString() {
        return from + " -> " + to + " (" + cause + ")";
    }
}
