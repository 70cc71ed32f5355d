package io.vinbind.server.provisioning;

import java.util.Objects;

/** The provisioning catalog's parts, as the server wires them and the HTTP API serves them. */
public record Provisioning(DeviceModelLibrary models, ConfigurationLibrary rules, FleetFacts fleet,
                           OperatorOrders orders) {
    public Provisioning {
        Objects.requireNonNull(models, "models");
        Objects.requireNonNull(rules, "rules");
        Objects.requireNonNull(fleet, "fleet");
        Objects.requireNonNull(orders, "orders");
    }
}
