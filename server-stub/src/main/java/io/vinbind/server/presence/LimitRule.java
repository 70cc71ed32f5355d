package io.vinbind.server.presence;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A row of the limits table: which terminals (by device model, by how many heartbeats they sent in the last complete
 * window, or both) get which {@link Limits}. Of the rows that select a terminal the highest priority wins; equal
 * priorities are decided by name, so the choice is stable.
 *
 * @param models device-model ids (empty: any model, or none)
 * @param minHeartbeats selects terminals that sent at least this many in the last complete window
 * @param maxHeartbeats … at most this many
 */
public record LimitRule(String name, int priority, List<String> models, Optional<Integer> minHeartbeats,
                        Optional<Integer> maxHeartbeats, Limits limits) {

    public LimitRule {
        if (name == null || !name.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new IllegalArgumentException("name: '" + name + "' is not 1-64 characters A-Z a-z 0-9 . _ -");
        }
        if (priority < 0 || priority > 1000) {
            throw new IllegalArgumentException("priority: " + priority + " is outside 0..1000");
        }
        models = List.copyOf(Objects.requireNonNull(models, "models"));
        for (String m : models) {
            if (m == null || !m.matches("[A-Za-z0-9._-]{1,64}")) {
                throw new IllegalArgumentException("models: '" + m + "' is not a device-model id");
            }
        }
        Objects.requireNonNull(minHeartbeats, "minHeartbeats");
        Objects.requireNonNull(maxHeartbeats, "maxHeartbeats");
        if (minHeartbeats.filter(v -> v < 0).isPresent() || maxHeartbeats.filter(v -> v < 0).isPresent()) {
            throw new IllegalArgumentException("minHeartbeats/maxHeartbeats: counts are not negative");
        }
        if (minHeartbeats.isPresent() && maxHeartbeats.isPresent() && minHeartbeats.get() > maxHeartbeats.get()) {
            throw new IllegalArgumentException("minHeartbeats " + minHeartbeats.get() + " is above maxHeartbeats "
                + maxHeartbeats.get());
        }
        if (models.isEmpty() && minHeartbeats.isEmpty() && maxHeartbeats.isEmpty()) {
            throw new IllegalArgumentException("a row needs models, minHeartbeats or maxHeartbeats: one without would"
                + " select every terminal (the server's defaults do that)");
        }
        Objects.requireNonNull(limits, "limits");
    }

    /** Whether this row selects a terminal of {@code model} that sent {@code lastWindow} heartbeats. */
    public boolean selects(Optional<String> model, int lastWindow) {
        return (models.isEmpty() || model.filter(models::contains).isPresent())
            && minHeartbeats.map(v -> lastWindow >= v).orElse(true)
            && maxHeartbeats.map(v -> lastWindow <= v).orElse(true);
    }

    public Map<String, Object> view() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("priority", priority);
        if (!models.isEmpty()) {
            m.put("models", models);
        }
        minHeartbeats.ifPresent(v -> m.put("minHeartbeats", v));
        maxHeartbeats.ifPresent(v -> m.put("maxHeartbeats", v));
        m.putAll(limits.view());
        return m;
    }
}
