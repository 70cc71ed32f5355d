package io.vinbind.terminal.relay;

import java.time.Duration;
import java.util.Objects;

/**
 * Bounds of the eSIM relay.
 *
 * @param modemWait how long a batch waits for the AT port (held by the binding's identify or attach) before it is
 *     refused {@code MODEM_BUSY}
 * @param maxBatch upper bound of a batch's run, whatever its {@code timeoutMs} asks for
 * @param answerAtOff how long power OFF waits for the running batch to stop and its answer to be published before the
 *     session is closed anyway
 */
public record RelayConfig(Duration modemWait, Duration maxBatch, Duration answerAtOff) {

    public static final RelayConfig DEFAULT = new RelayConfig(Duration.ofSeconds(10), Duration.ofMinutes(5),
        Duration.ofSeconds(5));

    public RelayConfig {
        for (Duration d : new Duration[] {modemWait, maxBatch, answerAtOff}) {
            if (Objects.requireNonNull(d, "duration").isNegative() || d.isZero()) {
                throw new IllegalArgumentException("relay bounds must be positive, got " + d);
            }
        }
    }
}
