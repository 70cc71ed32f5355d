package io.vinbind.modem;

import io.vinbind.modem.at.AtException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** After a {@link SimRefresh} the modem or its SIM did not come back within the bound. */
public final class SimRefreshException extends AtException {

    private final Optional<SimState> lastState;

    public SimRefreshException(String command, String message, Optional<SimState> lastState, Duration bound, Throwable cause) {
        super(command, List.of(), message + " within " + bound.toMillis() + " ms"
                + lastState.map(s -> " (last SIM state " + s + ")").orElse(""), cause);
        this.lastState = lastState;
    }

    /** The last SIM state read, if any was. */
    public Optional<SimState> lastState() {
        return lastState;
    }
}
