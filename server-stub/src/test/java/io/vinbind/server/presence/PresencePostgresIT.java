package io.vinbind.server.presence;

import io.vinbind.server.ExternalServices;
import io.vinbind.server.store.Database;
import io.vinbind.server.store.DbSettings;
import org.junit.jupiter.api.Test;

/**
 * Presence on PostgreSQL, the database N server instances share: the transitions, and concurrent sweeps that report
 * each OFFLINE once. Skipped, with the reason, where no PostgreSQL is reachable.
 */
class PresencePostgresIT {

    private interface Exercise {
        void run(Database db) throws Exception;
    }

    private void onPostgres(Exercise e) throws Exception {
        ExternalServices.assumePostgres();
        DbSettings s = ExternalServices.freshSchema();
        try (Database db = Database.open(s)) {
            e.run(db);
        } finally {
            ExternalServices.dropSchema(s);
        }
    }

    @Test
    void transitions_on_postgres() throws Exception {
        onPostgres(PresenceServiceTest::exerciseCountsAndTransitions);
    }

    @Test
    void concurrent_sweeps_on_postgres_report_each_transition_once() throws Exception {
        onPostgres(db -> PresenceServiceTest.exerciseConcurrentSweeps(db, 300));
    }
}
