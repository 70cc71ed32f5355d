package io.vinbind.terminal.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

    private final RetryPolicy policy = new RetryPolicy(Duration.ofSeconds(2), Duration.ofSeconds(60), 2.0, 0.2, 10);

    @Test
    void delay_doubles_per_attempt_up_to_the_bound() {
        // random 0.5 is the middle of the jitter band: no spread
        assertEquals(Duration.ofSeconds(2), policy.delayAfter(1, 0.5));
        assertEquals(Duration.ofSeconds(4), policy.delayAfter(2, 0.5));
        assertEquals(Duration.ofSeconds(8), policy.delayAfter(3, 0.5));
        assertEquals(Duration.ofSeconds(32), policy.delayAfter(5, 0.5));
        assertEquals(Duration.ofSeconds(60), policy.delayAfter(6, 0.5));
        assertEquals(Duration.ofSeconds(60), policy.delayAfter(1000, 0.5));
    }

    @Test
    void jitter_spreads_by_the_fraction_but_never_beyond_the_bound() {
        assertEquals(Duration.ofMillis(3200), policy.delayAfter(2, 0.0)); // 4 s - 20 %
        assertEquals(Duration.ofMillis(4800), policy.delayAfter(2, 1.0)); // 4 s + 20 %
        assertEquals(Duration.ofSeconds(48), policy.delayAfter(9, 0.0)); // 60 s - 20 %
        assertEquals(Duration.ofSeconds(60), policy.delayAfter(9, 1.0)); // capped, not 72 s
        for (double r = 0; r < 1; r += 0.01) {
            Duration d = policy.delayAfter(3, r);
            assertTrue(d.compareTo(Duration.ofMillis(6400)) >= 0 && d.compareTo(Duration.ofMillis(9600)) <= 0, d::toString);
        }
    }

    @Test
    void refuses_policies_that_would_not_be_bounded_or_would_not_back_off() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new RetryPolicy(Duration.ofSeconds(10), Duration.ofSeconds(5), 2.0, 0.2, 3));
        assertEquals("max delay PT5S is shorter than initial delay PT10S", e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new RetryPolicy(Duration.ofSeconds(1), Duration.ofSeconds(5), 0.5, 0.2, 3));
        assertThrows(IllegalArgumentException.class,
                () -> new RetryPolicy(Duration.ofSeconds(1), Duration.ofSeconds(5), 2.0, 1.5, 3));
        assertThrows(IllegalArgumentException.class,
                () -> new RetryPolicy(Duration.ofSeconds(1), Duration.ofSeconds(5), 2.0, 0.2, 0));
        assertThrows(IllegalArgumentException.class, () -> policy.delayAfter(0, 0.5));
    }
}
