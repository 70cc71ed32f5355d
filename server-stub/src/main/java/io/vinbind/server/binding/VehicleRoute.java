package io.vinbind.server.binding;

import java.util.Objects;
import java.util.Optional;

/**
 * Where a user's vehicle can be reached: user → VIN → IMSI, for routing remote commands.
 *
 * @param vin a VIN linked to the user
 * @param binding the VIN's live binding (its IMSI); empty when the vehicle's terminal is not bound
 */
public record VehicleRoute(String vin, Optional<Binding> binding) {
    public VehicleRoute {
        Objects.requireNonNull(vin, "vin");
        Objects.requireNonNull(binding, "binding");
    }
}
