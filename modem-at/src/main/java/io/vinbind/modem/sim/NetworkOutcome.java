package io.vinbind.modem.sim;

import io.vinbind.modem.RegistrationState;

/** Where the simulated network search ends. */
public enum NetworkOutcome {
    /** Registered, home network (stat 1). */
    HOME(RegistrationState.HOME),
    /** Registered, roaming (stat 5). */
    ROAMING(RegistrationState.ROAMING),
    /** Registration denied (stat 3). */
    DENIED(RegistrationState.DENIED),
    /** Searching forever (stat 2): no coverage. */
    NO_COVERAGE(RegistrationState.SEARCHING);

    private final RegistrationState state;

    NetworkOutcome(RegistrationState state) {
        this.state = state;
    }

    /** The registration state reported once the search ends. */
    public RegistrationState state() {
        return state;
    }
}
