package io.vinbind.server.provisioning;

import java.util.Objects;

/**
 * The provisioning platform's parts, as the server wires them and the HTTP API serves them: the catalog (models,
 * rules, fleet facts, operator orders) and the runs (the operator's profile lists, jobs, campaigns).
 */
public record Provisioning(DeviceModelLibrary models, ConfigurationLibrary rules, FleetFacts fleet,
                           OperatorOrders orders, ProfilePool pool, ProvisioningJobs jobs, Campaigns campaigns) {
    public Provisioning {
        Objects.requireNonNull(models, "models");
        Objects.requireNonNull(rules, "rules");
        Objects.requireNonNull(fleet, "fleet");
        Objects.requireNonNull(orders, "orders");
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(jobs, "jobs");
        Objects.requireNonNull(campaigns, "campaigns");
    }
}
