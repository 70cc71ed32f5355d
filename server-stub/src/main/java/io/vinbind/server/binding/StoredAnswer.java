package io.vinbind.server.binding;

import io.vinbind.protocol.ReasonCode;
import java.util.Objects;

/**
 * The answer already given to a request, replayed when the same requestId arrives again.
 *
 * @param vin the VIN of a bind request ("" for a login)
 * @param outcome the outcome's name (a {@code BindOutcome} or {@code LoginOutcome})
 * @param reason the reason code sent
 */
public record StoredAnswer(String vin, String outcome, ReasonCode reason) {
    public StoredAnswer {
        Objects.requireNonNull(vin, "vin");
        Objects.requireNonNull(outcome, "outcome");
        Objects.requireNonNull(reason, "reason");
    }
}
