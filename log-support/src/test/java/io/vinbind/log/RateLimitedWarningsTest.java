package io.vinbind.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 10, unit = TimeUnit.SECONDS)
class RateLimitedWarningsTest {

    private final AtomicLong clock = new AtomicLong();
    private final List<String> lines = new ArrayList<>();
    private final RateLimitedWarnings warnings = new RateLimitedWarnings(3, Duration.ofSeconds(10), clock::get,
            (depth, message) -> lines.add(message));

    private void advance(Duration d) {
        clock.addAndGet(d.toNanos());
    }

    @Test
    void writes_a_burst_of_one_template_then_counts_the_rest() {
        for (int i = 1; i <= 1000; i++) {
            warnings.warn("adapter answered BEL ({} so far)", i);
        }
        assertEquals(List.of("adapter answered BEL (1 so far)", "adapter answered BEL (2 so far)",
                "adapter answered BEL (3 so far) (more like this within 10 s are counted, not logged)"), lines);
        assertEquals(997, warnings.suppressed());
    }

    @Test
    void the_first_warning_after_the_window_says_how_many_were_left_out() {
        for (int i = 1; i <= 10; i++) {
            warnings.warn("dropped line '{}'", "x" + i);
        }
        advance(Duration.ofSeconds(11));
        warnings.warn("dropped line '{}'", "late");
        assertEquals(4, lines.size(), lines.toString());
        assertEquals("dropped line 'late' (and 7 more like this in the last 11 s, not logged)", lines.get(3));
        assertEquals(0, warnings.suppressed());
        warnings.warn("dropped line '{}'", "next");
        assertEquals("dropped line 'next'", lines.get(4), "a new window starts with the summary line");
    }

    @Test
    void summarise_writes_the_last_suppressed_warning_with_its_count() {
        for (int i = 1; i <= 5; i++) {
            warnings.warn("BEL {}", i);
        }
        advance(Duration.ofSeconds(2));
        warnings.summarise();
        assertEquals("BEL 5 (the last of 2 like this in the last 2 s, not logged until now)", lines.get(3));
        warnings.summarise();
        assertEquals(4, lines.size(), "nothing counted twice");
    }

    @Test
    void different_templates_are_limited_separately() {
        for (int i = 0; i < 10; i++) {
            warnings.warn("BEL {}", i);
            warnings.warn("garbage {}", i);
        }
        assertEquals(6, lines.size(), lines.toString());
        assertEquals(14, warnings.suppressed());
    }

    @Test
    void arguments_of_suppressed_warnings_are_never_formatted() {
        Object loud = new Object() {
            @Override
            public String toString() {
                throw new AssertionError("formatted a suppressed warning");
            }
        };
        for (int i = 0; i < 3; i++) {
            warnings.warn("x {}", i);
        }
        warnings.warn("x {}", loud);
        assertEquals(1, warnings.suppressed());
    }

    @Test
    void the_tinylog_sink_keeps_the_callers_class_as_the_source() {
        // the production path must not fail (provider lookup, depth) whatever tinylog is configured to do
        RateLimitedWarnings real = RateLimitedWarnings.of(1, Duration.ofSeconds(1));
        real.warn("a warning from {}", "a test");
        real.warn("a warning from {}", "a test");
        real.summarise();
        assertTrue(real.suppressed() == 0);
    }
}
