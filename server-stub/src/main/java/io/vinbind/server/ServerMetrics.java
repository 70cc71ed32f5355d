package io.vinbind.server;

import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of what the server received, answered, refused and dropped, exposed by {@code GET /metrics} and
 * {@code GET /health}. Names are dotted, e.g. {@code bind.received}, {@code bind.outcome.REBOUND},
 * {@code refused.MALFORMED_PAYLOAD}, {@code dropped.BAD_TOPIC}.
 *
 * <p>A distribution ({@link #observe}, e.g. the group commit's batch sizes) appears as counters too:
 * {@code <name>.count}, {@code <name>.sum} (mean = sum / count), {@code <name>.max}, and buckets
 * {@code <name>.le.1}, {@code .le.4}, {@code .le.16}, {@code .le.64}, {@code .le.inf} (each value counted in the
 * smallest bucket it fits, not cumulatively).
 */
public final class ServerMetrics {

    private static final long[] BUCKETS = {1, 4, 16, 64};

    private final Map<String, LongAdder> counters = new ConcurrentHashMap<>();
    private final Map<String, LongAccumulator> maxima = new ConcurrentHashMap<>();

    public void increment(String name) {
        counters.computeIfAbsent(name, n -> new LongAdder()).increment();
    }

    /** Adds {@code value} to the distribution {@code name}. */
    public void observe(String name, long value) {
        increment(name + ".count");
        counters.computeIfAbsent(name + ".sum", n -> new LongAdder()).add(value);
        maxima.computeIfAbsent(name + ".max", n -> new LongAccumulator(Math::max, 0)).accumulate(value);
        String bucket = "inf";
        for (long b : BUCKETS) {
            if (value <= b) {
                bucket = Long.toString(b);
                break;
            }
        }
        increment(name + ".le." + bucket);
    }

    public long get(String name) {
        LongAdder a = counters.get(name);
        if (a != null) {
            return a.sum();
        }
        LongAccumulator m = maxima.get(name);
        return m == null ? 0 : m.get();
    }

    /** All counters, sorted by name. */
    public SortedMap<String, Long> snapshot() {
        SortedMap<String, Long> out = new TreeMap<>();
        counters.forEach((k, v) -> out.put(k, v.sum()));
        maxima.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }
}
