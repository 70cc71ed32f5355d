package io.vinbind.server.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.server.ExternalServices;
import io.vinbind.server.store.Database;
import io.vinbind.server.store.DbSettings;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The history's lookups on PostgreSQL with the partial indexes of V27: a row is found by its current and by its
 * previous IMSI, VIN and terminal, and each lookup's "previous" half is answered from its partial index. Skipped,
 * with the reason, where no PostgreSQL is reachable.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HistoryPostgresIT {

    @Test
    void lookups_find_current_and_previous_values_through_partial_indexes() throws Exception {
        ExternalServices.assumePostgres();
        DbSettings s = ExternalServices.freshSchema();
        try (Database db = Database.open(s)) {
            Instant t = Instant.parse("2026-12-04T00:00:00Z");
            List<HistoryEntry> rows = new ArrayList<>();
            for (int i = 0; i < 3000; i++) { // first binds: nothing previous
                String imsi = String.format("00101%010d", i);
                rows.add(HistoryEntry.of(HistoryEvent.BOUND, t, "test").terminalId("T-" + i).imsi(imsi)
                    .vin(String.format("VIN%014d", i)).build());
            }
            // one rebind: IMSI 7 now holds VIN 8, which terminal 9 held before through IMSI 8
            rows.add(HistoryEntry.of(HistoryEvent.REBOUND, t.plusSeconds(1), "test").terminalId("T-7")
                .previousTerminalId("T-9").imsi("001010000000007").previousImsi("001010000000008")
                .vin("VIN00000000000008").previousVin("VIN00000000000007").build());
            db.transaction("history rows", c -> {
                History.appendAll(c, rows);
                return null;
            });
            db.query("analyze", c -> {
                try (Statement st = c.createStatement()) {
                    st.execute("ANALYZE history");
                }
                return null;
            });
            History h = new History(db);
            assertEquals(List.of(HistoryEvent.BOUND, HistoryEvent.REBOUND),
                h.forImsi("001010000000008", 10).stream().map(HistoryEntry::event).toList(), "current, then previous");
            assertEquals(List.of(HistoryEvent.BOUND, HistoryEvent.REBOUND),
                h.forVin("VIN00000000000007", 10).stream().map(HistoryEntry::event).toList());
            assertEquals(List.of(HistoryEvent.BOUND, HistoryEvent.REBOUND),
                h.forTerminal("T-9", 10).stream().map(HistoryEntry::event).toList());
            assertEquals(1, h.forImsi("001010000002999", 10).size());

            db.query("plans", c -> {
                try (Statement st = c.createStatement()) {
                    for (String[] col : new String[][] {{"imsi", "previous_imsi", "001010000000008"},
                        {"vin", "previous_vin", "VIN00000000000007"}, {"terminal_id", "previous_terminal_id", "T-9"}}) {
                        String plan = plan(st, "EXPLAIN SELECT * FROM history WHERE " + col[0] + " = '" + col[2]
                            + "' OR " + col[1] + " = '" + col[2] + "'");
                        String index = "history_" + col[1].replace("_id", "");
                        assertTrue(plan.contains(index), () -> col[1] + " not looked up by " + index + ":\n" + plan);
                    }
                    try (ResultSet rs = st.executeQuery("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname"
                        + " = current_schema() AND tablename = 'history' AND indexname <> 'history_pkey'")) {
                        int n = 0;
                        while (rs.next()) {
                            n++;
                            String def = rs.getString(2);
                            assertTrue(def.contains("IS NOT NULL"), () -> "not partial: " + def);
                        }
                        assertEquals(6, n, "history's six secondary indexes");
                    }
                }
                return null;
            });
        } finally {
            ExternalServices.dropSchema(s);
        }
    }

    private static String plan(Statement st, String explain) throws java.sql.SQLException {
        StringBuilder b = new StringBuilder();
        try (ResultSet rs = st.executeQuery(explain)) {
            while (rs.next()) {
                b.append(rs.getString(1)).append('\n');
            }
        }
        return b.toString();
    }
}
