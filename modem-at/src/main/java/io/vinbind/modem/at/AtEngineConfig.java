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
 * @param settleQuiet       after a command ended without its final result code (timeout, {@code RDY},
 *                          interruption) its answer may still be on the way: the next command is written
 *                          only once the line has been quiet this long (at most {@link #settleMax()}), so
 *                          the late lines arrive while nothing is outstanding and are dropped as strays
 *                          instead of completing the next command; zero turns this off
 */
public record AtEngineConfig(int maxLineLength, int unresponsiveAfter, Duration reopenInterval,
                             Duration settleQuiet) {

    public static final AtEngineConfig DEFAULT = new AtEngineConfig(2048, 3, Duration.ofSeconds(1),
            Duration.ofMillis(250));

    public AtEngineConfig {
        Objects.requireNonNull(reopenInterval, "reopenInterval");
        Objects.requireNonNull(settleQuiet, "settleQuiet");
        if (settleQuiet.isNegative() || settleQuiet.toSeconds() > 10) {
            throw new IllegalArgumentException("settleQuiet must be in [0, 10 s]: " + settleQuiet);
        }
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

    /** The bound on waiting for {@link #settleQuiet()}: a line that never goes quiet (URC storm, garbage). */
    public Duration settleMax() {
        return settleQuiet.multipliedBy(4);
    }

    public AtEngineConfig withUnresponsiveAfter(int n) {
        return new AtEngineConfig(maxLineLength, n, reopenInterval, settleQuiet);
    }

    public AtEngineConfig withReopenInterval(Duration d) {
        return new AtEngineConfig(maxLineLength, unresponsiveAfter, d, settleQuiet);
    }

    public AtEngineConfig withMaxLineLength(int n) {
        return new AtEngineConfig(n, unresponsiveAfter, reopenInterval, settleQuiet);
    }

    public AtEngineConfig withSettleQuiet(Duration d) {
        return new AtEngineConfig(maxLineLength, unresponsiveAfter, reopenInterval, d);
    }
}
