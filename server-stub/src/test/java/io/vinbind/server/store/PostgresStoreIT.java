package io.vinbind.server.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.protocol.BindOutcome;
import io.vinbind.protocol.BindRequest;
import io.vinbind.protocol.LoginRequest;
import io.vinbind.protocol.UploadReason;
import io.vinbind.protocol.VinPolicy;
import io.vinbind.server.ExternalServices;
import io.vinbind.server.Fixtures;
import io.vinbind.server.binding.BindingService;
import io.vinbind.server.binding.JdbcBindingStore;
import io.vinbind.server.binding.LoginService;
import io.vinbind.server.binding.RebindPolicy;
import io.vinbind.server.history.History;
import io.vinbind.server.history.HistoryEvent;
import io.vinbind.server.registry.ModemRegistry;
import java.sql.Statement;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The same migrations and rules on PostgreSQL, in a schema of its own per test. */
class PostgresStoreIT {

    private DbSettings settings;

    @BeforeEach
    void requirePostgres() {
        ExternalServices.assumePostgres();
        settings = ExternalServices.freshSchema();
    }

    @AfterEach
    void dropSchema() throws Exception {
        if (settings != null) {
            ExternalServices.dropSchema(settings);
        }
    }

    @Test
    void migrations_run_on_postgresql_and_history_is_append_only_there_too() throws Exception {
        try (Database db = Database.open(settings)) {
            assertTrue(db.isHealthy());
            db.transaction("append", c -> {
                History.append(c, io.vinbind.server.history.HistoryEntry.of(HistoryEvent.BOUND, java.time.Instant.now(),
                    "test").imsi(Fixtures.IMSI_A).vin(Fixtures.VIN_1).build());
                return null;
            });
            StoreException e = assertThrows(StoreException.class, () -> db.transaction("erase", c -> {
                try (Statement s = c.createStatement()) {
                    return s.executeUpdate("DELETE FROM history");
                }
            }));
            assertTrue(e.getMessage().contains("append-only"), e.getMessage());
            assertEquals(1, Fixtures.count(db, "history"));
        }
        try (Database again = Database.open(settings)) {
            assertEquals(1, Fixtures.count(again, "history"), "re-opening migrates nothing and keeps the data");
        }
    }

    @Test
    void row_lock_waits_are_bounded_on_postgresql_as_on_h2() throws Exception {
        try (Database db = Database.open(settings)) {
            String timeout = db.query("show lock_timeout", c -> {
                try (Statement s = c.createStatement(); var rs = s.executeQuery("SHOW lock_timeout")) {
                    rs.next();
                    return rs.getString(1);
                }
            });
            assertEquals("5s", timeout, "PostgreSQL's default 0 would wait for a lock forever");
            assertEquals(0, Fixtures.count(db, "binding"), "the schema is still found through search_path");
        }
    }

    @Test
    void rules_hold_on_postgresql_with_row_locks_under_concurrent_conflicting_uploads() throws Exception {
        try (Database db = Database.open(settings)) {
            Clock clock = Clock.systemUTC();
            ModemRegistry registry = new ModemRegistry(db, clock);
            JdbcBindingStore store = new JdbcBindingStore(db);
            LoginService logins = new LoginService(store, clock, io.vinbind.server.binding.IdentityPolicy.HOLD);
            BindingService bindings = new BindingService(store, clock, RebindPolicy.AUTO, VinPolicy.STRICT);
            String[] imsis = {Fixtures.imsi(1), Fixtures.imsi(2)};
            for (String imsi : imsis) {
                registry.register(Fixtures.modem(imsi, Fixtures.iccidOf(imsi), Fixtures.imeiOf(imsi)));
                String t = Fixtures.terminalOf(imsi);
                logins.login(LoginRequest.of("l-" + imsi, t, imsi, Fixtures.iccidOf(imsi), Fixtures.imeiOf(imsi)), t, "t");
            }
            String v1 = Fixtures.vin(1);
            String v2 = Fixtures.vin(2);
            List<Thread> threads = new java.util.ArrayList<>();
            java.util.concurrent.ConcurrentLinkedQueue<BindOutcome> outcomes = new java.util.concurrent.ConcurrentLinkedQueue<>();
            for (int i = 0; i < 8; i++) {
                String imsi = imsis[i % 2];
                String vin = i % 3 == 0 ? v2 : v1;
                int n = i;
                String terminal = Fixtures.terminalOf(imsi);
                Thread t = new Thread(() -> outcomes.add(bindings.bind(BindRequest.of("r-" + n, terminal, imsi,
                    Fixtures.iccidOf(imsi), Fixtures.imeiOf(imsi), vin, UploadReason.SERVICE), terminal, "t").ack().outcome()));
                threads.add(t);
                t.start();
            }
            for (Thread t : threads) {
                t.join(30_000);
            }
            assertEquals(8, outcomes.size());
            assertTrue(outcomes.stream().allMatch(BindOutcome::isBound), outcomes.toString());
            long live = Fixtures.count(db, "binding");
            long vins = db.query("distinct", c -> {
                try (Statement s = c.createStatement(); var rs = s.executeQuery(
                    "SELECT COUNT(DISTINCT vin) + COUNT(DISTINCT imsi) FROM binding")) {
                    rs.next();
                    return rs.getLong(1);
                }
            });
            assertEquals(2 * live, vins, "one live binding per VIN and per IMSI");
        }
    }
}
