package io.vinbind.hil.bench;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Bounded polling for outcomes nobody notifies (a row in the server's database, a file on disk). Where an
 * event exists, wait on it instead ({@link TransitionLog}).
 */
public final class Waits {

    /** How often a condition is re-checked: short against the bench's step times, cheap for the server. */
    static final Duration POLL = Duration.ofMillis(50);

    private Waits() {
    }

    /**
     * Re-evaluates {@code value} until it is present and non-null (for Optionals: non-empty), at most
     * {@code bound}.
     *
     * @throws BenchTimeoutException naming {@code what} and the last value seen
     */
    public static <T> T until(String what, Duration bound, Supplier<java.util.Optional<T>> value) {
        Objects.requireNonNull(value, "value");
        long deadline = System.nanoTime() + bound.toNanos();
        while (true) {
            java.util.Optional<T> v = value.get();
            if (v.isPresent()) {
                return v.get();
            }
            if (System.nanoTime() > deadline) {
                throw new BenchTimeoutException("no " + what + " within " + bound.toMillis() + " ms");
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BenchException("interrupted while waiting for " + what, e);
            }
        }
    }
}
