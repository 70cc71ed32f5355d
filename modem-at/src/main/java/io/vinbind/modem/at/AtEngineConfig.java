package io.vinbind.modem.at;

import java.time.Duration;
import java.util.Objects;

/**
 * Engine settings.
 *
 * @param maxLineLength     longest line kept; longer ones are dropped as garbage (raw {@code +CRSM}/APDU
 *                          answers run to ~520 characters, so the default leaves room)
 * @param unresponsiveAfter consecutive command timeouts that raise {@link AtEvent.Unresponsive}
 * @param reopenInterval    pause between attempts to re-open a vanished port
 */
public record AtEngineConfig(int maxLineLength, int unresponsiveAfter, Duration reopenInterval) {

    public static final AtEngineConfig DEFAULT = new AtEngineConfig(2048, 3, Duration.ofSeconds(1));

    public AtEngineConfig {
        Objects.requireNonNull(reopenInterval, "reopenInterval");
        if (maxLineLength < 64 || maxLineLength > 65_536) {
            throw new IllegalArgumentException("maxLineLength must be in 64..65536: " + maxLineLength);
        }
        if (unresponsiveAfter < 1) {
            throw new IllegalArgumentException("unresponsiveAfter must be >= 1: " + unresponsiveAfter);
        }
        if (reopenInterval.isNegative() || reopenInterval.isZero() || reopenInterval.toSeconds() > 60) {
            throw new IllegalArgumentException("reopenInterval must be in (0, 60 s]: " + reopenInterval);
        }
    }

    public AtEngineConfig withUnresponsiveAfter(int n) {
        return new AtEngineConfig(maxLineLength, n, reopenInterval);
    }

    public AtEngineConfig withReopenInterval(Duration d) {
        return new AtEngineConfig(maxLineLength, unresponsiveAfter, d);
    }

    public AtEngineConfig withMaxLineLength(int n) {
        return new AtEngineConfig(n, unresponsiveAfter, reopenInterval);
    }
}
