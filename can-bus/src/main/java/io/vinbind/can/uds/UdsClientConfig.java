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

    /** The ISO-TP link these settings imply. */
    public IsoTpConfig isoTp() {
        IsoTpConfig base = IsoTpConfig.of(addressing.request(), addressing.response()).withTimeouts(nTimeout, nTimeout);
        return padding.isPresent() ? base.withPadding(padding.getAsInt()) : base.withoutPadding();
    }
}
