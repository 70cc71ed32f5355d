package io.vinbind.terminal.state;

import java.time.Instant;
import java.util.Objects;

/**
 * A set VIN-request flag: the terminal must upload its VIN and get a matching bind-ack.
 *
 * @param reason why the flag was set
 * @param since  when it was set
 */
public record VinRequest(FlagReason reason, Instant since) {
    public VinRequest {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(since, "since");
    }
}
