package io.vinbind.server.registry;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A registered modem with what its latest accepted login reported.
 *
 * @param modem the factory registration
 * @param updatedAt when the registration last changed
 * @param lastLoginAt the latest accepted login, empty if it never logged in
 * @param lastLoginIccid the ICCID that login reported
 * @param lastLoginImei the IMEI that login reported
 */
public record RegistryEntry(Modem modem, Instant updatedAt, Optional<Instant> lastLoginAt,
                            Optional<String> lastLoginIccid, Optional<String> lastLoginImei) {

    public RegistryEntry {
        Objects.requireNonNull(modem, "modem");
        Objects.requireNonNull(updatedAt, "updatedAt");
        Objects.requireNonNull(lastLoginAt, "lastLoginAt");
        Objects.requireNonNull(lastLoginIccid, "lastLoginIccid");
        Objects.requireNonNull(lastLoginImei, "lastLoginImei");
    }

    public boolean loggedIn() {
        return lastLoginAt.isPresent();
    }
}
