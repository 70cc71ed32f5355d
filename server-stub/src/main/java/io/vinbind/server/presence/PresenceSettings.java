package io.vinbind.server.presence;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The two preset times of the seed: the counting window (claim 3) and the online timeout (claim 5); the limits a
 * terminal gets when no row of the limits table selects it.
 *
 * @param window heartbeats are counted per window of this length, aligned to the epoch (1 min – 1 day)
 * @param timeout a terminal silent for longer is offline (30 s – 1 day); at least two heartbeat intervals of
 *     every limit, so that one lost heartbeat never flips a terminal
 * @param defaults the limits of a terminal no row selects
 * @param webhook where the online/offline events are delivered as well ({@link EventWebhook}), if anywhere
 */
public record PresenceSettings(Duration window, Duration timeout, Limits defaults,
                               Optional<EventWebhook.Target> webhook) {

    public static final PresenceSettings DEFAULT = new PresenceSettings(Duration.ofHours(1), Duration.ofMinutes(3),
        Limits.DEFAULT);

    /** Without a webhook: the events are read from the API (or followed there live). */
    public PresenceSettings(Duration window, Duration timeout, Limits defaults) {
        this(window, timeout, defaults, Optional.empty());
    }

    /** The same, with the events delivered to {@code target} too. */
    public PresenceSettings withWebhook(EventWebhook.Target target) {
        return new PresenceSettings(window, timeout, defaults, Optional.of(target));
    }

    public PresenceSettings {
        Objects.requireNonNull(webhook, "webhook");
        Objects.requireNonNull(window, "window");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(defaults, "defaults");
        if (window.compareTo(Duration.ofMinutes(1)) < 0 || window.compareTo(Duration.ofDays(1)) > 0) {
            throw new IllegalArgumentException("presence window " + window + " is outside 1 min .. 1 day");
        }
        if (timeout.compareTo(Duration.ofSeconds(30)) < 0 || timeout.compareTo(Duration.ofDays(1)) > 0) {
            throw new IllegalArgumentException("presence timeout " + timeout + " is outside 30 s .. 1 day");
        }
        checkFits(defaults, timeout);
    }

    /** How often the sweeper looks for silent terminals: a sixth of the timeout, 1–30 s. */
    public Duration sweepPeriod() {
        long ms = Math.max(1000, Math.min(30_000, timeout.toMillis() / 6));
        return Duration.ofMillis(ms);
    }

    /** A terminal told to heartbeat every {@code limits.heartbeatIntervalS} must fit twice into the timeout. */
    static void checkFits(Limits limits, Duration timeout) {
        if (2L * limits.heartbeatIntervalS() > timeout.toSeconds()) {
            throw new IllegalArgumentException("heartbeatIntervalS: " + limits.heartbeatIntervalS() + " s leaves less"
                + " than two heartbeats per presence timeout of " + timeout.toSeconds() + " s; one lost heartbeat"
                + " would mark the terminal offline");
        }
    }
}
