package io.vinbind.terminal.state;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What the terminal persists across power cycles: the VIN-request flag (with why it was set) and the
 * identity the server last confirmed.
 *
 * @param vinRequest present while the flag is set
 * @param lastBound  the last identity confirmed by a matching bind-ack; empty on a terminal that never bound
 */
public record TerminalState(Optional<VinRequest> vinRequest, Optional<BoundIdentity> lastBound) {

    public TerminalState {
        Objects.requireNonNull(vinRequest, "vinRequest");
        Objects.requireNonNull(lastBound, "lastBound");
    }

    /** A terminal that has never bound: the flag is set for {@link FlagReason#ASSEMBLY}. */
    public static TerminalState fresh(Instant now) {
        return new TerminalState(Optional.of(new VinRequest(FlagReason.ASSEMBLY, now)), Optional.empty());
    }

    /** True while the terminal still has to bind. */
    public boolean flagSet() {
        return vinRequest.isPresent();
    }

    /**
     * This state with the flag set for {@code reason}; a flag already set keeps its original reason and
     * time, because the first reason is the one that explains the binding.
     */
    public TerminalState withFlag(FlagReason reason, Instant now) {
        if (vinRequest.isPresent()) {
            return this;
        }
        return new TerminalState(Optional.of(new VinRequest(reason, now)), lastBound);
    }

    /** The state after a matching bind-ack: flag cleared, {@code identity} remembered. */
    public static TerminalState bound(BoundIdentity identity) {
        return new TerminalState(Optional.empty(), Optional.of(identity));
    }
}
