package io.vinbind.server.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.server.ExternalServices;
import io.vinbind.server.store.Database;
import io.vinbind.server.store.DbSettings;
import java.io.StringReader;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The factory's CSV import on PostgreSQL: a large import leaves the registry's planner statistics current (it
 * ANALYZEs the table), a small one leaves that to autovacuum. Skipped, with the reason, where no PostgreSQL is
 * reachable.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ModemRegistryPostgresIT {

    @Test
    void a_large_import_refreshes_the_statistics_a_small_one_does_not() throws Exception {
        ExternalServices.assumePostgres();
        DbSettings s = ExternalServices.freshSchema();
        try (Database db = Database.open(s)) {
            ModemRegistry registry = new ModemRegistry(db, Clock.systemUTC());
            registry.importCsv(new StringReader(csv(0, 10)));
            assertTrue(plannerRows(db, s) < 10, "10 rows: left to autovacuum, not counted yet");

            ImportReport big = registry.importCsv(new StringReader(csv(10, ModemRegistry.ANALYZE_AFTER_ROWS)));
            assertEquals(ModemRegistry.ANALYZE_AFTER_ROWS, big.count(ImportStatus.ADDED), big.summary());
            // ANALYZE sets pg_class.reltuples to what it counted: all rows, both imports'
            assertEquals(ModemRegistry.ANALYZE_AFTER_ROWS + 10, plannerRows(db, s));
            assertTrue(lastAnalyzed(db, s), "pg_stat_user_tables.last_analyze set by the import");
        } finally {
            ExternalServices.dropSchema(s);
        }
    }

    @Test
    void an_import_of_rejected_lines_only_does_not_analyse() throws Exception {
        ExternalServices.assumePostgres();
        DbSettings s = ExternalServices.freshSchema();
        try (Database db = Database.open(s)) {
            StringBuilder b = new StringBuilder("imsi\n");
            for (int i = 0; i < ModemRegistry.ANALYZE_AFTER_ROWS; i++) {
                b.append("not-an-imsi-").append(i).append('\n');
            }
            ImportReport r = new ModemRegistry(db, Clock.systemUTC()).importCsv(new StringReader(b.toString()));
            assertEquals(ModemRegistry.ANALYZE_AFTER_ROWS, r.count(ImportStatus.REJECTED), r.summary());
            assertFalse(lastAnalyzed(db, s), "nothing was written, nothing to analyse");
        } finally {
            ExternalServices.dropSchema(s);
        }
    }

    private static String csv(int from, int count) {
        StringBuilder b = new StringBuilder("imsi,batch\n");
        for (int i = from; i < from + count; i++) {
            b.append(String.format("00101%010d", i)).append(",stats-").append(from).append('\n');
        }
        return b.toString();
    }

    /** pg_class.reltuples of the schema's modem table: -1 until it is first vacuumed or analysed (PostgreSQL 14+). */
    private static long plannerRows(Database db, DbSettings s) throws Exception {
        return (long) ((Number) modemCatalog(db, s, "SELECT c.reltuples FROM pg_class c JOIN pg_namespace n"
            + " ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relname = 'modem'")).floatValue();
    }

    private static boolean lastAnalyzed(Database db, DbSettings s) throws Exception {
        return modemCatalog(db, s, "SELECT last_analyze FROM pg_stat_user_tables WHERE schemaname = ?"
            + " AND relname = 'modem'") != null;
    }

    /** The one value a catalog query about the schema's modem table answers (its one parameter: the schema). */
    private static Object modemCatalog(Database db, DbSettings s, String sql) throws Exception {
        return db.query("catalog", c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, s.schema().orElseThrow());
                try (ResultSet rs = ps.executeQuery()) {
                    assertTrue(rs.next(), "no catalog row for the modem table: " + sql);
                    return rs.getObject(1);
                }
            }
        });
    }
}
