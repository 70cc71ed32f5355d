package io.vinbind.terminal.daemon;

import io.vinbind.protocol.Identifiers;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import java.util.Properties;
import org.tinylog.Logger;

/**
 * The daemon's software version, as the build wrote it into {@code version.properties} (the Maven project
 * version): what the logins report as {@code softwareVersion}. Empty when the resource is missing or unfiltered
 * (classes not built by Maven), so nothing wrong is reported.
 */
public final class SoftwareVersion {

    private SoftwareVersion() {
    }

    public static Optional<String> current() {
        try (InputStream in = SoftwareVersion.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return Optional.empty();
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "").strip();
            return Identifiers.isModelText(v) ? Optional.of(v) : Optional.empty(); // unfiltered: "${project.version}"
        } catch (IOException e) {
            Logger.warn("cannot read the software version: {}", e.getMessage());
            return Optional.empty();
        }
    }
}
