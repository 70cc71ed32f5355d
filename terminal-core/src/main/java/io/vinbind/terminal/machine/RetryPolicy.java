package io.vinbind.terminal.machine;

import java.time.Duration;
import java.util.Objects;

/**
 * Bounded exponential backoff with jitter between binding attempts of one power cycle.
 *
 * <p>Before attempt {@code n+1} the machine waits {@code min(max, initial * multiplier^(n-1))}, spread by
 * ±{@code jitter} (a fraction) so that a fleet of terminals powered up together (a ferry unloading, a
 * factory shift, a server restart) does not retry in lock-step; the result never exceeds {@code max}.
 * After {@code maxAttempts} attempts the machine gives up until the next power-mode transition.
 *
 * @param initial     delay after the first failed attempt
 * @param max         upper bound of any delay
 * @param multiplier  growth per attempt, at least 1
 * @param jitter      spread as a fraction of the delay, 0 to 1
 * @param maxAttempts attempts per power cycle, at least 1
 */
public record RetryPolicy(Duration initial, Duration max, double multiplier, double jitter, int maxAttempts) {

    public RetryPolicy {
        Objects.requireNonNull(initial, "initial");
        Objects.requireNonNull(max, "max");
        if (initial.isNegative() || initial.isZero()) {
            throw new IllegalArgumentException("initial delay must be positive, was " + initial);
        }
        if (max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("max delay " + max + " is shorter than initial delay " + initial);
        }
        if (!(multiplier >= 1.0) || Double.isInfinite(multiplier)) {
            throw new IllegalArgumentException("multiplier must be >= 1, was " + multiplier);
        }
        if (!(jitter >= 0.0 && jitter <= 1.0)) {
            throw new IllegalArgumentException("jitter must be between 0 and 1, was " + jitter);
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1, was " + maxAttempts);
        }
    }

    /** 2 s doubling to at most 5 min, ±20 %, 12 attempts (about 25 minutes of trying per power cycle). */
    public static RetryPolicy defaults() {
        return new RetryPolicy(Duration.ofSeconds(2), Duration.ofMinutes(5), 2.0, 0.2, 12);
    }

    /**
     * The delay after failed attempt {@code attempt} (1-based).
     *
     * @param random a uniformly distributed number in [0, 1) choosing the point in the jitter band
     */
    public Duration delayAfter(int attempt, double random) {
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt is 1-based, was " + attempt);
        }
        double base = initial.toMillis() * Math.pow(multiplier, Math.min(attempt - 1, 62));
        double capped = Math.min(base, max.toMillis());
        double spread = capped * (1.0 + jitter * (2.0 * random - 1.0));
        long millis = Math.round(Math.min(spread, max.toMillis()));
        return Duration.ofMillis(Math.max(1, millis));
    }
}
