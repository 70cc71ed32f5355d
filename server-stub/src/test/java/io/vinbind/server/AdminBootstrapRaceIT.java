package io.vinbind.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.server.auth.ApiTokens;
import io.vinbind.server.store.Database;
import io.vinbind.server.store.DbSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two instances starting at once on one empty PostgreSQL database both find no admin token and both create
 * {@code admin}. The interleaving is forced: "the other instance" inserts {@code admin} and holds its
 * transaction open until this instance's insert waits on it, then commits; this instance's insert then hits
 * the primary key. It must start all the same (the admin exists), not fail on "a token named 'admin' exists".
 */
class AdminBootstrapRaceIT {

    @TempDir
    Path dir;

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
    void the_instance_that_loses_the_race_for_the_first_admin_token_still_starts() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try (Database db = Database.open(settings)) {
            CountDownLatch inserted = new CountDownLatch(1);
            CountDownLatch commit = new CountDownLatch(1);
            CompletableFuture<Integer> otherPid = new CompletableFuture<>();
            Future<?> other = threads.submit(() -> db.transaction("the other instance's first admin", c -> {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO api_token (name, role, token_hash,"
                    + " created_at, created_by) VALUES ('admin', 'ADMIN', 'not-a-real-hash', ?, 'first start')")) {
                    ps.setObject(1, OffsetDateTime.now());
                    ps.executeUpdate();
                }
                try (PreparedStatement ps = c.prepareStatement("SELECT pg_backend_pid()"); ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    otherPid.complete(rs.getInt(1));
                }
                inserted.countDown();
                try {
                    if (!commit.await(60, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("never told to commit");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted before committing", e);
                }
                return null;
            }));
            assertTrue(inserted.await(30, TimeUnit.SECONDS));
            int pid = otherPid.get(5, TimeUnit.SECONDS);

            Path data = Files.createDirectories(dir.resolve("data"));
            ApiTokens tokens = new ApiTokens(db, Clock.systemUTC());
            Future<Path> bootstrap = threads.submit(() -> BindingServer.bootstrapAdminToken(tokens, data));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (waitingOn(db, pid) == 0) { // this instance's INSERT of 'admin' waits for the other's commit
                if (bootstrap.isDone()) {
                    throw new AssertionError("bootstrap finished before it raced: " + outcome(bootstrap));
                }
                assertTrue(System.nanoTime() < deadline, "this instance's insert never waited on the other's");
                Thread.sleep(20);
            }
            commit.countDown();
            other.get(30, TimeUnit.SECONDS);

            Path file = bootstrap.get(30, TimeUnit.SECONDS); // threw "a token named 'admin' exists already" before
            assertEquals(data.resolve(BindingServer.ADMIN_TOKEN_FILE), file);
            assertFalse(Files.exists(file), "the other instance holds the token; this one wrote none");
            assertTrue(tokens.hasAdmin());
            List<ApiTokens.TokenInfo> all = tokens.list();
            assertEquals(List.of("admin"), all.stream().map(ApiTokens.TokenInfo::name).toList(), "one admin, the other's");
        } finally {
            threads.shutdownNow();
        }
    }

    /** How many sessions wait for a lock that the session {@code pid} holds. */
    private static int waitingOn(Database db, int pid) throws Exception {
        return db.query("sessions blocked by " + pid, c -> {
            try (PreparedStatement ps = c.prepareStatement(
                "SELECT count(*) FROM pg_stat_activity WHERE ? = ANY (pg_blocking_pids(pid))")) {
                ps.setInt(1, pid);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                }
            }
        });
    }

    private static String outcome(Future<Path> f) {
        try {
            return String.valueOf(f.get());
        } catch (Exception e) {
            return e.toString();
        }
    }
}
