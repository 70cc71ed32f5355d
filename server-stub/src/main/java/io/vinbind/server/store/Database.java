package io.vinbind.server.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.output.MigrateResult;
import org.tinylog.Logger;

/**
 * A pooled, migrated database and the transactions run on it.
 *
 * <p><b>Durability.</b> A transaction that {@link #transaction} returned from is on disk before the caller
 * answers anyone: PostgreSQL commits synchronously by default; an H2 file database is switched to
 * {@code WRITE_DELAY 0} on every open, so that each commit writes its MVStore chunk before returning (H2's
 * default, 500 ms, keeps commits in memory that long, and a killed server lost up to that much of what it
 * had acknowledged). H2 writes to the operating system without an fsync per commit: it survives a killed
 * process, not a power cut; a deployment that must survive power loss uses PostgreSQL.
 *
 * <p>{@link #transaction} runs its work at READ COMMITTED with explicit row locks ({@code SELECT … FOR UPDATE})
 * taken by the work itself, and retries the whole work a bounded number of times when the database reports a
 * conflict with a concurrent transaction (deadlock, serialization failure, lock timeout, or a unique
 * constraint that a concurrent insert won). Anything else fails at once. Either way nothing of a failed
 * attempt is committed.
 *
 * <p>{@link #transactionEach} is the group commit: many independent pieces of work in one transaction, one
 * commit (one WAL flush on PostgreSQL, one MVStore chunk on H2) for all of them; one that fails is left out (the
 * group runs again without it) and the others still commit.
 */
public final class Database implements AutoCloseable {

    /** Attempts for one transaction before giving up with {@link ConflictException}. */
    static final int MAX_ATTEMPTS = 6;
    /** Longest wait for a row lock on PostgreSQL, as {@code LOCK_TIMEOUT=5000} in the H2 URLs of {@link DbSettings}. */
    static final int LOCK_TIMEOUT_MS = 5000;
    /** Rounds of a group commit, each without the pieces that failed before, before the group gives up. */
    static final int GROUP_ROUNDS = 4;

    private final HikariDataSource pool;
    private final DbSettings settings;
    /** Transactions committed (single and grouped), for metrics and tests that count commits. */
    private final LongAdder commits = new LongAdder();

    private Database(HikariDataSource pool, DbSettings settings) {
        this.pool = pool;
        this.settings = settings;
    }

    /**
     * Opens the pool and migrates the schema to the current version.
     *
     * @throws StoreException when the database cannot be reached or migrated
     */
    public static Database open(DbSettings settings) throws StoreException {
        HikariConfig hc = new HikariConfig();
        hc.setJdbcUrl(settings.jdbcUrl());
        settings.user().ifPresent(hc::setUsername);
        settings.password().ifPresent(hc::setPassword);
        hc.setMaximumPoolSize(settings.poolSize());
        hc.setMinimumIdle(1);
        hc.setConnectionTimeout(10_000);
        hc.setValidationTimeout(3_000);
        hc.setInitializationFailTimeout(10_000);
        hc.setAutoCommit(true);
        hc.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
        hc.setPoolName("vinbind-db");
        if (settings.isPostgres()) {
            // PostgreSQL waits for a row lock forever by default: a transaction left open by an instance that
            // lost its network keeps its locks until TCP gives up (hours). Bound the wait like H2's LOCK_TIMEOUT;
            // the timeout (55P03) is a conflict, retried and finally answered CONFLICT_RETRY.
            // The schema may not exist before migration; search_path set per connection keeps it.
            // a group commit's JDBC batches of inserts (bindings, history, stored answers, window rows) sent as
            // multi-row INSERTs: one statement for PostgreSQL to plan and run instead of one per row (pgjdbc; the
            // batch's counts then read SUCCESS_NO_INFO, which no insert batch here looks at)
            hc.addDataSourceProperty("reWriteBatchedInserts", "true");
            hc.setConnectionInitSql("SET lock_timeout = " + LOCK_TIMEOUT_MS
                + settings.schema().map(s -> "; SET search_path TO " + s).orElse(""));
        }
        HikariDataSource pool;
        try {
            pool = new HikariDataSource(hc);
        } catch (RuntimeException e) {
            throw new StoreException("cannot connect to " + settings.describe() + ": " + rootMessage(e), e);
        }
        try {
            var flyway = Flyway.configure()
                .dataSource(pool)
                .locations("classpath:db/migration",
                    "classpath:db/vendor/" + (settings.isPostgres() ? "postgresql" : "h2"))
                .failOnMissingLocations(false);
            settings.schema().ifPresent(s -> flyway.schemas(s).defaultSchema(s).createSchemas(true));
            MigrateResult result = flyway.load().migrate();
            Logger.info("database {} at schema version {} ({} migrations applied now)", settings.describe(),
                result.targetSchemaVersion != null ? result.targetSchemaVersion : "current",
                result.migrationsExecuted);
        } catch (FlywayException e) {
            pool.close();
            throw new StoreException("cannot migrate " + settings.describe() + ": " + rootMessage(e), e);
        }
        if (settings.isH2File()) {
            try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
                s.execute("SET WRITE_DELAY 0");
            } catch (SQLException e) {
                pool.close();
                throw new StoreException("cannot make " + settings.describe() + " write on commit: " + e.getMessage(), e);
            }
        }
        return new Database(pool, settings);
    }

    /**
     * Runs {@code work} in one transaction, committing when it returns and rolling back when it throws.
     *
     * @param what names the operation in errors and logs
     * @throws ConflictException when conflicts persisted through {@value #MAX_ATTEMPTS} attempts
     * @throws StoreException on any other database failure
     */
    public <T> T transaction(String what, SqlWork<T> work) throws StoreException {
        SQLException lastConflict = null;
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            try (Connection c = pool.getConnection()) {
                c.setAutoCommit(false);
                try {
                    T result = work.run(c);
                    c.commit();
                    commits.increment();
                    return result;
                } catch (SQLException | RuntimeException e) {
                    rollback(c, what);
                    if (e instanceof SQLException sql && isConflict(sql)) {
                        lastConflict = sql;
                        Logger.debug("{}: conflict on attempt {} ({} {}), retrying", what, attempt, sql.getSQLState(),
                            sql.getMessage());
                        if (!backoff(attempt)) {
                            throw new StoreException(what + " interrupted while retrying a conflict", sql);
                        }
                        continue;
                    }
                    throw e;
                } finally {
                    c.setAutoCommit(true);
                }
            } catch (SQLException e) {
                throw new StoreException(what + " failed: " + e.getMessage(), e);
            }
        }
        throw new ConflictException(what + " still conflicted with concurrent transactions after " + MAX_ATTEMPTS
            + " attempts: " + (lastConflict != null ? lastConflict.getMessage() : ""), lastConflict);
    }

    /**
     * The key of a piece of {@link #transactionEach} that cannot be left out of its group (it writes what the other
     * pieces deferred to it): when it fails the whole group is abandoned and every piece is left to be run alone.
     */
    public static final String WHOLE_GROUP = "\u0000whole group";

    /**
     * Runs every piece of {@code works} in order in ONE transaction and commits once (a group commit: one WAL flush
     * on PostgreSQL, one MVStore chunk on H2, for all of them). When a piece throws (bad data the database refuses,
     * a defect, or a conflict with a concurrent transaction: deadlock, lock timeout, a raced unique key), the whole
     * transaction is rolled back and run again without it, and without the later pieces of the same key (one
     * terminal's requests keep their order): at most {@value #GROUP_ROUNDS} rounds, after which nothing of the group
     * is committed; a failing piece keyed {@link #WHOLE_GROUP} ends the group at once. A piece left out has an
     * empty slot; the caller decides it again alone, with
     * {@link #transaction}'s retries. No savepoints: on PostgreSQL each costs two round trips per piece, and rolling
     * back a whole round is rare (a conflict with another instance, a poisoned request).
     *
     * <p>Results are valid only once this returns: every piece may run more than once ({@link SqlWork}), and only
     * the committed round's results are returned.
     *
     * @param what names the group in errors and logs
     * @param keys per piece, what orders it (the terminal): pieces of one key after a failed one are left out too
     * @return one slot per piece, in order: its result, or empty when it was left out
     * @throws StoreException when no connection could be had, or a rollback or the commit failed
     */
    public <T> List<Optional<T>> transactionEach(String what, List<String> keys, List<? extends SqlWork<T>> works)
        throws StoreException {
        if (keys.size() != works.size()) {
            throw new IllegalArgumentException(what + ": " + keys.size() + " keys for " + works.size() + " pieces");
        }
        boolean[] out = new boolean[works.size()];
        java.util.Set<String> failedKeys = new java.util.HashSet<>();
        for (int round = 1; round <= GROUP_ROUNDS; round++) {
            List<Optional<T>> results = new ArrayList<>(works.size());
            int failed = -1;
            try (Connection c = pool.getConnection()) {
                c.setAutoCommit(false);
                try {
                    for (int i = 0; i < works.size(); i++) {
                        if (out[i] || failedKeys.contains(keys.get(i))) {
                            out[i] = true;
                            results.add(Optional.empty());
                            continue;
                        }
                        try {
                            results.add(Optional.of(works.get(i).run(c)));
                        } catch (SQLException | RuntimeException e) {
                            failed = i;
                            Logger.debug("{}: piece {} of {} failed in round {} ({}{}); the group goes again without it",
                                what, i + 1, works.size(), round,
                                e instanceof SQLException sql ? sql.getSQLState() + " " : "", e.getMessage());
                            break;
                        }
                    }
                    if (failed < 0) {
                        c.commit();
                        commits.increment();
                        return results;
                    }
                    c.rollback();
                } catch (SQLException | RuntimeException e) {
                    rollback(c, what);
                    throw e;
                } finally {
                    c.setAutoCommit(true);
                }
            } catch (SQLException e) {
                throw new StoreException(what + " failed: " + e.getMessage(), e);
            }
            if (WHOLE_GROUP.equals(keys.get(failed))) {
                Logger.debug("{}: a piece the group cannot go without failed; every piece is left to be decided alone",
                    what);
                return java.util.Collections.nCopies(works.size(), Optional.empty());
            }
            out[failed] = true;
            failedKeys.add(keys.get(failed));
        }
        Logger.debug("{}: still failing after {} rounds; every piece is left to be decided alone", what, GROUP_ROUNDS);
        return java.util.Collections.nCopies(works.size(), Optional.empty());
    }

    /** Transactions committed so far by {@link #transaction} and {@link #transactionEach} (one per group). */
    public long commits() {
        return commits.sum();
    }

    /** Runs read-only {@code work} on a pooled connection in autocommit mode. */
    public <T> T query(String what, SqlWork<T> work) throws StoreException {
        try (Connection c = pool.getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw new StoreException(what + " failed: " + e.getMessage(), e);
        }
    }

    /** True when a connection can be had and answers a trivial query within a few seconds. */
    public boolean isHealthy() {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.setQueryTimeout(3);
            s.execute("SELECT 1");
            return true;
        } catch (SQLException e) {
            Logger.warn("database health check failed: {}", e.getMessage());
            return false;
        }
    }

    public DbSettings settings() {
        return settings;
    }

    @Override
    public void close() {
        pool.close();
    }

    /** Deadlock, serialization failure, lock timeout, or a unique/primary key raced by a concurrent insert. */
    static boolean isConflict(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s) {
                String state = s.getSQLState();
                if (state != null && (state.startsWith("40") || state.equals("23505") || state.equals("HYT00")
                    || state.equals("55P03"))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Sleeps a jittered, growing delay (10–200 ms); false when interrupted (the flag is kept). */
    private static boolean backoff(int attempt) {
        long cap = Math.min(200, 10L << attempt);
        try {
            Thread.sleep(ThreadLocalRandom.current().nextLong(cap / 2, cap + 1));
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void rollback(Connection c, String what) {
        try {
            c.rollback();
        } catch (SQLException e) {
            Logger.warn("{}: rollback failed: {}", what, e.getMessage());
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() != null ? t.getMessage() : t.toString();
    }
}
