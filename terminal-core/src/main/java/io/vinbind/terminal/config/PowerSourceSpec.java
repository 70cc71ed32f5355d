package io.vinbind.terminal.config;

import io.vinbind.can.vehicle.PowerModeLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/** Where the daemon takes the vehicle's power mode from ({@code power.source}). */
public sealed interface PowerSourceSpec {

    /** The body controller's broadcast on the configured CAN channel. */
    record Can(PowerModeLayout layout, Duration silenceMeansOff) implements PowerSourceSpec {
        public Can {
            Objects.requireNonNull(layout, "layout");
            Objects.requireNonNull(silenceMeansOff, "silenceMeansOff");
        }
    }

    /** The content of a file, polled (benches: {@code echo ON > file}). */
    record File(Path path) implements PowerSourceSpec {
        public File {
            Objects.requireNonNull(path, "path");
        }
    }

    /** One mode per line on standard input (benches, interactive use). */
    record Stdin() implements PowerSourceSpec {
    }
}
