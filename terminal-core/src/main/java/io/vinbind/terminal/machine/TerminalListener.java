package io.vinbind.terminal.machine;

import io.vinbind.protocol.BindOutcome;
import io.vinbind.terminal.state.BoundIdentity;

/**
 * Observes the machine. Called on the machine thread, in order; must return quickly and not block. An
 * exception thrown here is logged and does not disturb the machine.
 */
public interface TerminalListener {

    /** Every state change, in the order taken. */
    void onTransition(StateTransition transition);

    /** The decision taken after the VIN and the modem identity are known. */
    default void onDecision(BindDecision decision) {
    }

    /** A matching bind-ack cleared the flag; {@code identity} is now persisted (or its save was attempted). */
    default void onBound(BoundIdentity identity, BindOutcome outcome) {
    }
}
