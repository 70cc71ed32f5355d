package io.vinbind.server;

import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of what the server received, answered, refused and dropped, exposed by {@code GET /metrics} and
 * {@code GET /health}. Names are dotted, e.g. {@code bind.received}, {@code bind.outcome.REBOUND},
 * {@code refused.MALFORMED_PAYLOAD}, {@code dropped.BAD_TOPIC}.
 */
public final class ServerMetrics {

    private final Map<String, LongAdder> counters = new ConcurrentHashMap<>();

    public void increment(String name) {
        counters.computeIfAbsent(name, n -> new LongAdder()).increment();
    }

    public long get(String name) {
        LongAdder a = counters.get(name);
        return a == null ? 0 : a.sum();
    }

    /** All counters, sorted by name. */
    public SortedMap<String, Long> snapshot() {
        SortedMap<String, Long> out = new TreeMap<>();
        counters.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }
}
