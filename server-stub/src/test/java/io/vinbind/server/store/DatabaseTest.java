package io.vinbind.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.server.Fixtures;
import io.vinbind.server.history.History;
import io.vinbind.server.history.HistoryEntry;
import io.vinbind.server.history.HistoryEvent;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DatabaseTest {

    @Test
    void history_refuses_update_and_delete_at_the_database_level() throws Exception {
        try (Database db = Fixtures.memoryDatabase()) {
            db.transaction("append", c -> {
                History.append(c, HistoryEntry.of(HistoryEvent.BOUND, Instant.now(), "test").imsi("460011234567890")
                    .vin("11111111111111111").build());
                return null;
            });
            StoreException update = assertThrows(StoreException.class, () -> db.transaction("rewrite", c -> {
                try (Statement s = c.createStatement()) {
                    return s.executeUpdate("UPDATE history SET vin = 'X'");
                }
            }));
            assertTrue(update.getMessage().contains("append-only"), update.getMessage());
            assertThrows(StoreException.class, () -> db.transaction("erase", c -> {
                try (Statement s = c.createStatement()) {
                    return s.executeUpdate("DELETE FROM history");
                }
            }));
            assertEquals(1, Fixtures.count(db, "history"));
            assertEquals(Optional.of("11111111111111111"), new History(db).all(10).get(0).vin());
        }
    }

    @Test
    void retries_conflicts_a_bounded_number_of_times_then_reports_a_conflict() throws Exception {
        try (Database db = Fixtures.memoryDatabase()) {
            AtomicInteger attempts = new AtomicInteger();
            assertEquals("done", db.transaction("flaky", c -> {
                if (attempts.incrementAndGet() < 3) {
                    throw new SQLException("deadlock detected", "40P01");
                }
                return "done";
            }));
            assertEquals(3, attempts.get());
            attempts.set(0);
            assertThrows(ConflictException.class, () -> db.transaction("hopeless", c -> {
                attempts.incrementAndGet();
                throw new SQLException("duplicate key", "23505");
            }));
            assertEquals(Database.MAX_ATTEMPTS, attempts.get());
        }
    }

    @Test
    void other_failures_are_not_retried_and_roll_back() throws Exception {
        try (Database db = Fixtures.memoryDatabase()) {
            AtomicInteger attempts = new AtomicInteger();
            StoreException e = assertThrows(StoreException.class, () -> db.transaction("broken", c -> {
                attempts.incrementAndGet();
                try (Statement s = c.createStatement()) {
                    s.executeUpdate("INSERT INTO user_vehicle (user_id, vin, linked_at) VALUES ('u', 'v', CURRENT_TIMESTAMP)");
                    s.executeUpdate("INSERT INTO no_such_table VALUES (1)");
                }
                return null;
            }));
            assertFalse(e instanceof ConflictException);
            assertEquals(1, attempts.get());
            assertEquals(0, Fixtures.count(db, "user_vehicle"), "the first insert was rolled back");
        }
    }

    @Test
    @org.junit.jupiter.api.Timeout(30)
    void a_group_commits_once_and_a_failing_piece_is_left_out_with_its_writes_undone() throws Exception {
        try (Database db = Fixtures.memoryDatabase()) {
            long before = db.commits();
            java.util.List<SqlWork<String>> works = new java.util.ArrayList<>();
            for (String user : new String[] {"u1", "u2", "poison", "u3"}) {
                works.add(c -> {
                    try (Statement s = c.createStatement()) {
                        s.executeUpdate("INSERT INTO user_vehicle (user_id, vin, linked_at) VALUES ('" + user
                            + "', 'v', CURRENT_TIMESTAMP)");
                        if (user.equals("poison")) { // after its own write: the rollback must undo it
                            throw new SQLException("deadlock detected", "40P01");
                        }
                    }
                    return user;
                });
            }
            java.util.List<Optional<String>> out = db.transactionEach("group", java.util.List.of("a", "b", "p", "p"), works);
            assertEquals(java.util.List.of(Optional.of("u1"), Optional.of("u2"), Optional.empty(), Optional.empty()), out,
                "the failing piece and the later one of its key are left out");
            assertEquals(1, db.commits() - before, "one commit for the group");
            assertEquals(2, Fixtures.count(db, "user_vehicle"), "the failing piece's write was undone, the others kept");
            assertEquals(0L, (long) db.query("poison", c -> {
                try (Statement s = c.createStatement();
                     java.sql.ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM user_vehicle WHERE user_id = 'poison'")) {
                    rs.next();
                    return rs.getLong(1);
                }
            }));
        }
    }

    @Test
    void refuses_urls_of_other_databases_and_masks_passwords() {
        assertThrows(IllegalArgumentException.class, () -> new DbSettings("jdbc:mysql://x/y", Optional.empty(),
            Optional.empty(), Optional.empty(), 4));
        assertEquals("jdbc:postgresql://h/db?user=u&password=***",
            new DbSettings("jdbc:postgresql://h/db?user=u&password=secret", Optional.empty(), Optional.empty(),
                Optional.empty(), 4).describe());
    }
}
