package io.vinbind.esim.smdp;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * Faults the SM-DP+ simulator can show.
 *
 * @param answerDelay every answer is sent this much later
 * @param serverErrors the next n requests are answered HTTP 500 (counted down as they arrive)
 * @param refusedMatchingIds matchingIds answered with 8.2.6 / 3.8 even when an order has them
 * @param expireOrders every order is treated as expired (8.8.5 / 4.10)
 */
public record SmdpFaults(Duration answerDelay, int serverErrors, Set<String> refusedMatchingIds, boolean expireOrders) {

    public static final SmdpFaults NONE = new SmdpFaults(Duration.ZERO, 0, Set.of(), false);

    public SmdpFaults {
        Objects.requireNonNull(answerDelay, "answerDelay");
        if (answerDelay.isNegative() || serverErrors < 0) {
            throw new IllegalArgumentException("answerDelay and serverErrors must not be negative");
        }
        refusedMatchingIds = Set.copyOf(refusedMatchingIds);
    }
}
