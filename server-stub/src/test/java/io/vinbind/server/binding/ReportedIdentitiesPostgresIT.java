package io.vinbind.server.binding;

import io.vinbind.server.ExternalServices;
import io.vinbind.server.store.Database;
import io.vinbind.server.store.DbSettings;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Migration V22 and the reported-identity SQL on PostgreSQL (the same exercises as {@link ReportedIdentitiesTest} on
 * H2), in a fresh schema; reports itself skipped, with the reason, where no PostgreSQL is reachable.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ReportedIdentitiesPostgresIT {

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
    void latest_and_changes_on_postgres() throws Exception {
        onPostgres(ReportedIdentitiesTest::exerciseLatestAndChanges);
    }

    @Test
    void eid_conflict_on_postgres() throws Exception {
        onPostgres(ReportedIdentitiesTest::exerciseEidConflict);
    }
}
