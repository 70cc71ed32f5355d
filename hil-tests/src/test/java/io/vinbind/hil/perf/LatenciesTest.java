package io.vinbind.hil.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LatenciesTest {

    @Test
    void nearest_rank_percentiles_over_unsorted_nanos() {
        long[] nanos = new long[100];
        for (int i = 0; i < 100; i++) {
            nanos[i] = (100 - i) * 1_000_000L; // 100 ms down to 1 ms
        }
        Latencies l = Latencies.ofNanos(nanos);
        assertEquals(100, l.count());
        assertEquals(50.0, l.p50Millis()); // rank ceil(0.5 * 100) = 50th smallest
        assertEquals(99.0, l.p99Millis()); // rank 99
        assertEquals(100.0, l.maxMillis());
        assertEquals(50.5, l.meanMillis(), 1e-9);
        assertEquals(100 * 1_000_000L, nanos[0], "the caller's array is not sorted in place");
    }

    @Test
    void a_single_answer_is_every_percentile() {
        Latencies l = Latencies.ofNanos(new long[] {7_500_000L});
        assertEquals(7.5, l.p50Millis());
        assertEquals(7.5, l.p99Millis());
        assertEquals(7.5, l.maxMillis());
    }

    @Test
    void no_answers_are_reported_as_such() {
        Latencies l = Latencies.ofNanos(new long[0]);
        assertEquals(0, l.count());
        assertTrue(Double.isNaN(l.p50Millis()));
        assertEquals("no answers", l.toString());
    }
}
