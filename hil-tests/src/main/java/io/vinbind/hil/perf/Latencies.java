package io.vinbind.hil.perf;

import java.util.Arrays;

/**
 * Latency figures of one phase (nearest-rank percentiles over every answered request).
 *
 * @param count answered requests the figures are over
 * @param p50Millis median
 * @param p99Millis 99th percentile
 * @param maxMillis slowest
 * @param meanMillis mean
 */
public record Latencies(int count, double p50Millis, double p99Millis, double maxMillis, double meanMillis) {

    public Latencies {
        if (count < 0) {
            throw new IllegalArgumentException("count must not be negative: " + count);
        }
    }

    /** Figures of the given durations in nanoseconds (the array is copied, not changed). */
    public static Latencies ofNanos(long[] nanos) {
        if (nanos.length == 0) {
            return new Latencies(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        long[] s = nanos.clone();
        Arrays.sort(s);
        double sum = 0;
        for (long v : s) {
            sum += v;
        }
        return new Latencies(s.length, rank(s, 0.50) / 1e6, rank(s, 0.99) / 1e6, s[s.length - 1] / 1e6,
                sum / s.length / 1e6);
    }

    private static long rank(long[] sorted, double q) {
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    @Override
    public String toString() {
        return count == 0 ? "no answers" : String.format("p50 %.1f ms, p99 %.1f ms, max %.1f ms (mean %.1f ms, n=%d)",
                p50Millis, p99Millis, maxMillis, meanMillis, count);
    }
}
