package io.vinbind.modem;

import io.vinbind.modem.at.AtException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** Network registration did not succeed: denied by the network, or still not registered at the bound. */
public final class RegistrationException extends AtException {

    /** Why. */
    public enum Reason {
        /** The network rejected the SIM ({@code <stat>} 3); retrying soon will not help. */
        DENIED,
        /** Not registered when the wait's bound ran out. */
        TIMEOUT
    }

    private final Reason reason;
    private final Optional<Registration> last;

    RegistrationException(Reason reason, Optional<Registration> last, Duration bound) {
        super("registration", last.map(r -> List.of(r.rawLine())).orElse(List.of()),
                reason == Reason.DENIED
                        ? "registration denied by the network"
                        : "not registered within " + bound.toMillis() + " ms (last state "
                                + last.map(r -> r.domain() + " " + r.state()).orElse("unknown") + ")",
                null);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.last = last;
    }

    public Reason reason() {
        return reason;
    }

    /** The last registration report seen. */
    public Optional<Registration> last() {
        return last;
    }
}
