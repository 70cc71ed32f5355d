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

    /**
     * V26: a heartbeat's update of presence (last_seen, session, sequence) and of its window's count are heap-only
     * tuple updates, which write no index entry; PostgreSQL counts them per transaction.
     */
    @Test
    void heartbeat_updates_are_heap_only_on_postgres() throws Exception {
        onPostgres(db -> db.transaction("HOT check", c -> {
            try (java.sql.Statement st = c.createStatement()) {
                st.execute("INSERT INTO presence (terminal_id, online, state_since, last_seen, session, last_sequence,"
                    + " heartbeat_interval_s, send_interval_s, storage_records, config_version) VALUES ('HOT-1', TRUE,"
                    + " now(), now(), 's', 0, 60, 60, 100, 1)");
                st.execute("INSERT INTO presence_window (terminal_id, window_start, heartbeats) VALUES ('HOT-1',"
                    + " now(), 1)");
            }
            try (java.sql.PreparedStatement p = c.prepareStatement("UPDATE presence SET last_seen = ?, session = ?,"
                + " last_sequence = ? WHERE terminal_id = 'HOT-1'");
                 java.sql.PreparedStatement w = c.prepareStatement("UPDATE presence_window SET heartbeats = heartbeats"
                     + " + 1 WHERE terminal_id = 'HOT-1'")) {
                for (int i = 1; i <= 20; i++) {
                    p.setTimestamp(1, java.sql.Timestamp.from(java.time.Instant.now().plusSeconds(i)));
                    p.setString(2, "s" + i);
                    p.setInt(3, i);
                    org.junit.jupiter.api.Assertions.assertEquals(1, p.executeUpdate());
                    org.junit.jupiter.api.Assertions.assertEquals(1, w.executeUpdate());
                }
            }
            try (java.sql.Statement st = c.createStatement();
                 java.sql.ResultSet rs = st.executeQuery("SELECT pg_stat_get_xact_tuples_updated('presence'::regclass),"
                     + " pg_stat_get_xact_tuples_hot_updated('presence'::regclass),"
                     + " pg_stat_get_xact_tuples_hot_updated('presence_window'::regclass)")) {
                rs.next();
                org.junit.jupiter.api.Assertions.assertEquals(20, rs.getLong(1), "updates of presence");
                org.junit.jupiter.api.Assertions.assertEquals(20, rs.getLong(2), "HOT updates of presence");
                org.junit.jupiter.api.Assertions.assertEquals(20, rs.getLong(3), "HOT updates of presence_window");
            }
            return null;
        }));
    }
}
