package io.vinbind.can.uds;

import io.vinbind.can.isotp.IsoTpConfig;
import java.time.Duration;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * Addressing and timing of a {@link UdsClient}.
 *
 * @param addressing request/response identifiers
 * @param p2         how long the ECU may take to start answering (ISO 14229-2 P2_client; default 1000 ms)
 * @param p2Star     how long to wait after an NRC 0x78 response-pending (P2*_client; default 5000 ms)
 * @param overall    bound on a whole request including any number of 0x78 (default 10 s)
 * @param padding    fill byte for our frames, or empty for unpadded frames (default 0xCC)
 * @param nTimeout   ISO-TP N_Bs / N_Cr (default 1000 ms)
 */
public record UdsClientConfig(UdsAddressing addressing, Duration p2, Duration p2Star, Duration overall,
                              OptionalInt padding, Duration nTimeout) {

    public static final Duration DEFAULT_P2 = Duration.ofMillis(1000);
    public static final Duration DEFAULT_P2_STAR = Duration.ofMillis(5000);
    public static final Duration DEFAULT_OVERALL = Duration.ofSeconds(10);

    public UdsClientConfig {
        Objects.requireNonNull(addressing, "addressing");
        Objects.requireNonNull(padding, "padding");
        if (padding.isPresent() && (padding.getAsInt() < 0 || padding.getAsInt() > 0xFF)) {
            // refused here, not only when the ISO-TP link is made: a configuration is checked when it is read
            throw new IllegalArgumentException("padding must be a byte 0x00..0xFF or none, got 0x"
                    + Integer.toHexString(padding.getAsInt()).toUpperCase(java.util.Locale.ROOT));
        }
        for (Duration d : new Duration[] {p2, p2Star, overall, nTimeout}) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("UDS timeouts must be positive, got p2=" + p2 + " p2*=" + p2Star
                        + " overall=" + overall + " N=" + nTimeout);
            }
        }
    }

    /** Defaults with the given addressing. */
    public static UdsClientConfig of(UdsAddressing addressing) {
        return new UdsClientConfig(addressing, DEFAULT_P2, DEFAULT_P2_STAR, DEFAULT_OVERALL, OptionalInt.of(0xCC),
                IsoTpConfig.DEFAULT_TIMEOUT);
    }

    /** Defaults for the smart-key ECU ({@link UdsAddressing#SMART_KEY_DEFAULT}). */
    public static UdsClientConfig defaults() {
        return of(UdsAddressing.SMART_KEY_DEFAULT);
    }

    public UdsClientConfig withTimings(Duration newP2, Duration newP2Star, Duration newOverall) {
        return new UdsClientConfig(addressing, newP2, newP2Star, newOverall, padding, nTimeout);
    }

    public UdsClientConfig withOverall(Duration newOverall) {
        return new UdsClientConfig(addressing, p2, p2Star, newOverall, padding, nTimeout);
    }

    public UdsClientConfig withPadding(OptionalInt newPadding) {
        return new UdsClientConfig(addressing, p2, p2Star, overall, newPadding, nTimeout);
    }

    /**
     * Reads a configuration from properties, each key optional (missing = default), so a terminal's
     * configuration file can name its vehicle's ECU: {@code uds.request-id} (0x740; 8 hex digits for a
     * 29-bit identifier such as 0x18DA40F1), {@code uds.response-id} (0x748), {@code uds.p2} (1000ms),
     * {@code uds.p2-star} (5000ms), {@code uds.timeout} (10s, overall including response-pending waits),
     * {@code uds.padding} (0xCC or {@code none}) and {@code uds.n-timeout} (1000ms, ISO-TP N_Bs / N_Cr).
     *
     * @throws IllegalArgumentException naming the key whose value is wrong
     */
    public static UdsClientConfig fromProperties(java.util.Properties p) {
        UdsClientConfig d = defaults();
        UdsAddressing addressing = new UdsAddressing(
                prop(p, "uds.request-id", io.vinbind.can.CanId::parse, d.addressing().request()),
                prop(p, "uds.response-id", io.vinbind.can.CanId::parse, d.addressing().response()));
        return new UdsClientConfig(addressing,
                prop(p, "uds.p2", io.vinbind.can.Durations::parse, d.p2()),
                prop(p, "uds.p2-star", io.vinbind.can.Durations::parse, d.p2Star()),
                prop(p, "uds.timeout", io.vinbind.can.Durations::parse, d.overall()),
                prop(p, "uds.padding", UdsClientConfig::parsePadding, d.padding()),
                prop(p, "uds.n-timeout", io.vinbind.can.Durations::parse, d.nTimeout()));
    }

    /** {@code 0xCC} (any {@link Integer#decode} form) within 0x00..0xFF, or {@code none}. */
    private static OptionalInt parsePadding(String text) {
        if (text.trim().equalsIgnoreCase("none")) {
            return OptionalInt.empty();
        }
        int fill = Integer.decode(text.trim());
        if (fill < 0 || fill > 0xFF) {
            throw new IllegalArgumentException("padding must be a byte 0x00..0xFF or none");
        }
        return OptionalInt.of(fill);
    }

    private static <T> T prop(java.util.Properties p, String key, java.util.function.Function<String, T> parse, T dflt) {
        String raw = p.getProperty(key);
        if (raw == null) {
            return dflt;
        }
        try {
            return parse.apply(raw);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("property " + key + "='" + raw + "': " + e.getMessage(), e);
        }
    }

    /** The ISO-TP link these settings imply. */
    public IsoTpConfig isoTp() {
        IsoTpConfig base = IsoTpConfig.of(addressing.request(), addressing.response()).withTimeouts(nTimeout, nTimeout);
        return padding.isPresent() ? base.withPadding(padding.getAsInt()) : base.withoutPadding();
    }
}
