package io.vinbind.server.provisioning;

import io.vinbind.server.ExternalServices;
import io.vinbind.server.store.Database;
import io.vinbind.server.store.DbSettings;
import org.junit.jupiter.api.Test;

/**
 * The catalog's SQL on PostgreSQL (the same checks as {@link CatalogTest} on H2), in a fresh schema; reports itself
 * skipped, with the reason, where no PostgreSQL is reachable.
 */
class CatalogPostgresIT {

    private void onPostgres(Exercise e) throws Exception {
        ExternalServices.assumePostgres();
        DbSettings s = ExternalServices.freshSchema();
        try (Database db = Database.open(s)) {
            e.run(db);
        } finally {
            ExternalServices.dropSchema(s);
        }
    }

    private interface Exercise {
        void run(Database db) throws Exception;
    }

    @Test
    void device_models_on_postgres() throws Exception {
        onPostgres(CatalogTest::exerciseModels);
    }

    @Test
    void configuration_rules_on_postgres() throws Exception {
        onPostgres(CatalogTest::exerciseRules);
    }
}
