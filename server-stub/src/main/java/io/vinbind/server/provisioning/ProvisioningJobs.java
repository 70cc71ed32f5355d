package io.vinbind.server.provisioning;

import io.vinbind.server.store.Database;
import io.vinbind.server.store.Sql;
import io.vinbind.server.store.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The persisted per-terminal provisioning state machine: one row per provisioning of one terminal
 * ({@code provisioning_job}), every step it took ({@code provisioning_step}, append-only). Every change of a job is
 * made by the instance holding its lease and is conditional on still holding it, so two server instances never drive
 * one terminal at once and a stale instance cannot overwrite what the new holder did.
 */
public final class ProvisioningJobs {

    /**
     * Where a job is. The order matters: a job only moves forward, or to {@link #FAILED} / {@link #CANCELLED}.
     * <pre>
     * QUEUED -> ORDERED -> DOWNLOADED -> ENABLED -> NOTIFIED -> DONE
     *   (DOWNLOAD_ONLY: DOWNLOADED -> NOTIFIED -> DONE)
     * </pre>
     */
    public enum State {
        /** Waiting to start: terminal online, card answering, room, then the ES2+ order. */
        QUEUED,
        /** ES2+ order confirmed (matchingId known), the switch registered; the download is next. */
        ORDERED,
        /** The profile is on the card (ProfileInstallationResult success). */
        DOWNLOADED,
        /** The profile is enabled. */
        ENABLED,
        /** Every pending notification was delivered to the SM-DP+ and removed from the card. */
        NOTIFIED,
        DONE,
        FAILED,
        CANCELLED;

        public boolean closed() {
            return this == DONE || this == FAILED || this == CANCELLED;
        }
    }

    /** One job as stored. */
    public record Job(long id, Optional<Long> campaignId, String terminalId, Optional<String> eid, String platform,
                      String profileType, ConfigRule.EnablePolicy enablePolicy, State state, Optional<Long> orderId,
                      Optional<String> iccid, Optional<String> imsi, Optional<String> previousImsi,
                      Optional<String> transactionId, int attempts, int failures, Instant nextAttemptAt,
                      Optional<String> waitingFor, Optional<String> lastError, Optional<String> leaseOwner,
                      Optional<Instant> leaseUntil, Optional<Instant> startedAt, Instant createdAt, String createdBy,
                      Instant updatedAt, Optional<Instant> finishedAt) {

        public Map<String, Object> view() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", id);
            campaignId.ifPresent(c -> m.put("campaignId", c));
            m.put("terminalId", terminalId);
            eid.ifPresent(e -> m.put("eid", e));
            m.put("platform", platform);
            m.put("profileType", profileType);
            m.put("enablePolicy", enablePolicy);
            m.put("state", state);
            orderId.ifPresent(o -> m.put("orderId", o));
            iccid.ifPresent(i -> m.put("iccid", i));
            imsi.ifPresent(i -> m.put("imsi", i));
            previousImsi.ifPresent(i -> m.put("previousImsi", i));
            transactionId.ifPresent(t -> m.put("transactionId", t));
            m.put("attempts", attempts);
            m.put("failures", failures);
            if (!state.closed()) {
                m.put("nextAttemptAt", nextAttemptAt.toString());
            }
            waitingFor.ifPresent(w -> m.put("waitingFor", w));
            lastError.ifPresent(e -> m.put("lastError", e));
            leaseOwner.ifPresent(o -> m.put("leaseOwner", o));
            leaseUntil.ifPresent(u -> m.put("leaseUntil", u.toString()));
            startedAt.ifPresent(s -> m.put("startedAt", s.toString()));
            m.put("createdAt", createdAt.toString());
            m.put("createdBy", createdBy);
            m.put("updatedAt", updatedAt.toString());
            finishedAt.ifPresent(f -> m.put("finishedAt", f.toString()));
            return m;
        }
    }

    /** One recorded step. */
    public record Step(long id, long jobId, Instant at, String step, String outcome, Optional<String> detail,
                       String instance) {
        public Map<String, Object> view() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("at", at.toString());
            m.put("step", step);
            m.put("outcome", outcome);
            detail.ifPresent(d -> m.put("detail", d));
            m.put("instance", instance);
            return m;
        }
    }

    /**
     * A change to a job, applied only while the caller holds its lease. Null fields are left as they are; {@code
     * clearTransaction} and {@code clearWaiting} clear those columns.
     */
    public record Change(State state, Long orderId, String iccid, String imsi, String previousImsi,
                         String transactionId, boolean clearTransaction, Integer attemptsDelta, Integer failuresDelta,
                         Instant nextAttemptAt, String waitingFor, boolean clearWaiting, String lastError,
                         String eid, boolean begins) {

        public static Change none() {
            return new Change(null, null, null, null, null, null, false, null, null, null, null, false, null, null,
                false);
        }

        public Change state(State s) {
            return new Change(s, orderId, iccid, imsi, previousImsi, transactionId, clearTransaction, attemptsDelta,
                failuresDelta, nextAttemptAt, waitingFor, clearWaiting, lastError, eid, begins);
        }

        public Change order(long id, String iccidValue, String imsiValue, String previous) {
            return new Change(state, id, iccidValue, imsiValue, previous, transactionId, clearTransaction,
                attemptsDelta, failuresDelta, nextAttemptAt, waitingFor, clearWaiting, lastError, eid, begins);
        }

        public Change transaction(String tid) {
            return new Change(state, orderId, iccid, imsi, previousImsi, tid, tid == null, attemptsDelta,
                failuresDelta, nextAttemptAt, waitingFor, clearWaiting, lastError, eid, begins);
        }

        public Change retryAt(Instant at, boolean failure, String why) {
            return new Change(state, orderId, iccid, imsi, previousImsi, transactionId, clearTransaction, 1,
                failure ? 1 : 0, at, why, false, failure ? why : lastError, eid, begins);
        }

        /** The last failure: counted, the job closed FAILED, nothing left to wait for. */
        public Change failedFor(String why) {
            return new Change(State.FAILED, orderId, iccid, imsi, previousImsi, transactionId, clearTransaction, 1, 1,
                nextAttemptAt, null, true, why, eid, begins);
        }

        public Change waiting(Instant at, String why) {
            return new Change(state, orderId, iccid, imsi, previousImsi, transactionId, clearTransaction,
                attemptsDelta, failuresDelta, at, why, false, lastError, eid, begins);
        }

        public Change progressed() {
            return new Change(state, orderId, iccid, imsi, previousImsi, transactionId, clearTransaction,
                attemptsDelta, failuresDelta, nextAttemptAt, null, true, lastError, eid, begins);
        }

        public Change error(String e) {
            return new Change(state, orderId, iccid, imsi, previousImsi, transactionId, clearTransaction,
                attemptsDelta, failuresDelta, nextAttemptAt, waitingFor, clearWaiting, e, eid, begins);
        }

        public Change eid(String e) {
            return new Change(state, orderId, iccid, imsi, previousImsi, transactionId, clearTransaction,
                attemptsDelta, failuresDelta, nextAttemptAt, waitingFor, clearWaiting, lastError, e, begins);
        }

        public Change started() {
            return new Change(state, orderId, iccid, imsi, previousImsi, transactionId, clearTransaction,
                attemptsDelta, failuresDelta, nextAttemptAt, waitingFor, clearWaiting, lastError, eid, true);
        }
    }

    /** The caller no longer holds the job's lease: another instance took it over (or it was closed meanwhile). */
    public static final class LeaseLostException extends Exception {
        public LeaseLostException(String message) {
            super(message);
        }
    }

    private final Database db;
    private final Clock clock;

    public ProvisioningJobs(Database db, Clock clock) {
        this.db = Objects.requireNonNull(db, "db");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public Clock clock() {
        return clock;
    }

    /**
     * Opens a job for {@code terminalId}.
     *
     * @throws IllegalStateException when the terminal already has an open job (its id in the message)
     */
    public Job create(String terminalId, Optional<String> eid, Optional<Long> campaignId,
                      ConfigRule.Requirement requirement, String operator) throws StoreException {
        return db.transaction("open a provisioning job for " + terminalId, c -> create(c, terminalId, eid, campaignId,
            requirement, operator, clock.instant()));
    }

    /** As {@link #create}, inside the caller's transaction; answers empty instead of throwing for an open job. */
    Optional<Job> createIfNone(Connection c, String terminalId, Optional<String> eid, Optional<Long> campaignId,
                               ConfigRule.Requirement requirement, String operator, Instant now) throws SQLException {
        if (openJob(c, terminalId).isPresent()) {
            return Optional.empty();
        }
        return Optional.of(create(c, terminalId, eid, campaignId, requirement, operator, now));
    }

    private Job create(Connection c, String terminalId, Optional<String> eid, Optional<Long> campaignId,
                       ConfigRule.Requirement requirement, String operator, Instant now) throws SQLException {
        Optional<Long> open = openJob(c, terminalId);
        if (open.isPresent()) {
            throw new IllegalStateException("terminal " + terminalId + " already has open provisioning job "
                + open.get());
        }
        long id;
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO provisioning_job (campaign_id, terminal_id, eid,"
            + " platform, profile_type, enable_policy, state, open_key, attempts, failures, next_attempt_at, created_at,"
            + " created_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, 0, ?, ?, ?, ?)", new String[] {"id"})) {
            if (campaignId.isPresent()) {
                ps.setLong(1, campaignId.get());
            } else {
                ps.setNull(1, Types.BIGINT);
            }
            ps.setString(2, terminalId);
            Sql.setOptional(ps, 3, eid);
            ps.setString(4, requirement.platform());
            ps.setString(5, requirement.profileType());
            ps.setString(6, requirement.enablePolicy().name());
            ps.setString(7, State.QUEUED.name());
            ps.setString(8, terminalId);
            Sql.setInstant(ps, 9, now);
            Sql.setInstant(ps, 10, now);
            ps.setString(11, operator);
            Sql.setInstant(ps, 12, now);
            try {
                ps.executeUpdate();
            } catch (SQLException e) {
                if ("23505".equals(e.getSQLState())) { // SQL:2003 unique violation, on H2 and PostgreSQL alike
                    // another request opened one between the check above and this insert (open_key is unique)
                    throw new IllegalStateException("terminal " + terminalId + " already has an open provisioning job"
                        + " (opened at the same moment by another request)");
                }
                throw e;
            }
            try (ResultSet keys = ps.getGeneratedKeys()) {
                keys.next();
                id = keys.getLong(1);
            }
        }
        step(c, id, now, "CREATED", "OK", "by " + operator + (campaignId.map(x -> " in campaign " + x).orElse("")),
            "-");
        return find(c, id).orElseThrow();
    }

    private static Optional<Long> openJob(Connection c, String terminalId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT id FROM provisioning_job WHERE open_key = ?")) {
            ps.setString(1, terminalId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getLong(1)) : Optional.empty();
            }
        }
    }

    /**
     * Open jobs that are due ({@code next_attempt_at} passed) and not leased by a live instance: the candidates an
     * instance may try to {@link #lease}. Started jobs come first, oldest first, then the jobs not started: those a
     * campaign's limits may hold back, and which must not crowd out the ones in flight.
     */
    public List<Job> due(int limit) throws StoreException {
        Instant now = clock.instant();
        return db.query("due provisioning jobs", c -> {
            List<Job> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT * FROM provisioning_job WHERE open_key IS NOT NULL"
                + " AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until < ?)"
                + " ORDER BY CASE WHEN started_at IS NULL THEN 1 ELSE 0 END, next_attempt_at, id"
                + " FETCH FIRST " + Math.max(1, Math.min(limit, 1000)) + " ROWS ONLY")) {
                Sql.setInstant(ps, 1, now);
                Sql.setInstant(ps, 2, now);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(read(rs));
                    }
                }
            }
            return out;
        });
    }

    /**
     * Takes the lease of job {@code id} for {@code owner} until now + {@code duration} — only if nobody holds a live
     * one. A conditional update: of two instances trying at once, one gets it.
     */
    public Optional<Job> lease(long id, String owner, Duration duration) throws StoreException {
        Instant now = clock.instant();
        return db.transaction("lease provisioning job " + id, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE provisioning_job SET lease_owner = ?, lease_until = ?"
                + " WHERE id = ? AND open_key IS NOT NULL AND (lease_until IS NULL OR lease_until < ? OR lease_owner = ?)")) {
                ps.setString(1, owner);
                Sql.setInstant(ps, 2, now.plus(duration));
                ps.setLong(3, id);
                Sql.setInstant(ps, 4, now);
                ps.setString(5, owner);
                if (ps.executeUpdate() != 1) {
                    return Optional.empty();
                }
            }
            return find(c, id);
        });
    }

    /** Extends the lease {@code owner} holds. */
    public void renew(long id, String owner, Duration duration) throws StoreException, LeaseLostException {
        Instant now = clock.instant();
        int n = db.transaction("renew the lease of job " + id, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE provisioning_job SET lease_until = ? WHERE id = ?"
                + " AND lease_owner = ? AND open_key IS NOT NULL")) {
                Sql.setInstant(ps, 1, now.plus(duration));
                ps.setLong(2, id);
                ps.setString(3, owner);
                return ps.executeUpdate();
            }
        });
        if (n != 1) {
            throw new LeaseLostException("job " + id + " is no longer leased by " + owner);
        }
    }

    /** Gives the lease back (the job stays where it is, due at its next attempt). */
    public void release(long id, String owner) throws StoreException {
        db.transaction("release job " + id, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE provisioning_job SET lease_owner = NULL, lease_until"
                + " = NULL WHERE id = ? AND lease_owner = ?")) {
                ps.setLong(1, id);
                ps.setString(2, owner);
                return ps.executeUpdate();
            }
        });
    }

    /**
     * Applies {@code change} to job {@code id} and records the step (unless {@code step} is null), in one transaction
     * — only while {@code owner} holds the lease. A change to a closed state closes the job (frees the terminal for a new one).
     *
     * @throws LeaseLostException another instance holds the lease now; nothing was changed
     */
    public Job apply(long id, String owner, Change change, String step, String outcome, String detail)
            throws StoreException, LeaseLostException {
        Instant now = clock.instant();
        Optional<Job> done = db.transaction("job " + id + ": " + step, c -> {
            StringBuilder sql = new StringBuilder("UPDATE provisioning_job SET updated_at = ?");
            List<Object> args = new ArrayList<>();
            args.add(now);
            if (change.state() != null) {
                sql.append(", state = ?");
                args.add(change.state().name());
                if (change.state().closed()) {
                    sql.append(", open_key = NULL, finished_at = ?, lease_owner = NULL, lease_until = NULL");
                    args.add(now);
                }
            }
            set(sql, args, "order_id", change.orderId());
            set(sql, args, "iccid", change.iccid());
            set(sql, args, "imsi", change.imsi());
            set(sql, args, "previous_imsi", change.previousImsi());
            set(sql, args, "eid", change.eid());
            if (change.clearTransaction()) {
                sql.append(", transaction_id = NULL");
            } else {
                set(sql, args, "transaction_id", change.transactionId());
            }
            if (change.attemptsDelta() != null) {
                sql.append(", attempts = attempts + ?");
                args.add(change.attemptsDelta());
            }
            if (change.failuresDelta() != null) {
                sql.append(", failures = failures + ?");
                args.add(change.failuresDelta());
            }
            set(sql, args, "next_attempt_at", change.nextAttemptAt());
            if (change.clearWaiting()) {
                sql.append(", waiting_for = NULL");
            } else {
                set(sql, args, "waiting_for", cut(change.waitingFor(), 512));
            }
            set(sql, args, "last_error", cut(change.lastError(), 512));
            if (change.begins()) {
                sql.append(", started_at = COALESCE(started_at, ?)");
                args.add(now);
            }
            sql.append(" WHERE id = ? AND lease_owner = ? AND open_key IS NOT NULL");
            args.add(id);
            args.add(owner);
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                for (int i = 0; i < args.size(); i++) {
                    Object a = args.get(i);
                    if (a instanceof Instant t) {
                        Sql.setInstant(ps, i + 1, t);
                    } else if (a instanceof Long l) {
                        ps.setLong(i + 1, l);
                    } else if (a instanceof Integer n) {
                        ps.setInt(i + 1, n);
                    } else {
                        ps.setString(i + 1, (String) a);
                    }
                }
                if (ps.executeUpdate() != 1) {
                    return Optional.<Job>empty();
                }
            }
            if (step != null) { // null: the same wait again, not worth a row each time
                step(c, id, now, step, outcome, detail, owner);
            }
            return find(c, id);
        });
        return done.orElseThrow(() -> new LeaseLostException("job " + id + " is no longer leased by " + owner
            + "; step " + step + " not recorded"));
    }

    /**
     * Closes an open job as {@code state} without a lease (an operator's cancel of a job nobody is driving, a
     * campaign's deadline): only when it is in one of {@code from} and not leased by a live instance.
     */
    public boolean close(long id, State state, java.util.Set<State> from, String why, String by) throws StoreException {
        Instant now = clock.instant();
        return db.transaction("close job " + id, c -> {
            StringBuilder in = new StringBuilder();
            for (State s : from) {
                in.append(in.length() == 0 ? "" : ", ").append('\'').append(s.name()).append('\'');
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE provisioning_job SET state = ?, open_key = NULL,"
                + " finished_at = ?, updated_at = ?, last_error = COALESCE(?, last_error), lease_owner = NULL,"
                + " lease_until = NULL WHERE id = ? AND open_key IS NOT NULL AND state IN (" + in + ") AND"
                + " (lease_until IS NULL OR lease_until < ?)")) {
                ps.setString(1, state.name());
                Sql.setInstant(ps, 2, now);
                Sql.setInstant(ps, 3, now);
                ps.setString(4, state == State.FAILED ? cut(why, 512) : null);
                ps.setLong(5, id);
                Sql.setInstant(ps, 6, now);
                if (ps.executeUpdate() != 1) {
                    return false;
                }
            }
            step(c, id, now, state.name(), "OK", why + " (" + by + ")", by);
            return true;
        });
    }

    public Optional<Job> find(long id) throws StoreException {
        return db.query("provisioning job " + id, c -> find(c, id));
    }

    /** The jobs of a terminal, newest first. */
    public List<Job> ofTerminal(String terminalId, int limit) throws StoreException {
        return list("jobs of " + terminalId, "WHERE terminal_id = ? ORDER BY id DESC", limit, terminalId);
    }

    /** The jobs of a campaign in id order. */
    public List<Job> ofCampaign(long campaignId, int limit) throws StoreException {
        return list("jobs of campaign " + campaignId, "WHERE campaign_id = ? ORDER BY id", limit, campaignId);
    }

    /** Queued jobs of a campaign not leased by a live instance, in id order. */
    public List<Job> queuedOf(long campaignId, int limit) throws StoreException {
        return list("queued jobs of campaign " + campaignId, "WHERE campaign_id = ? AND state = 'QUEUED' AND open_key"
            + " IS NOT NULL ORDER BY id", limit, campaignId);
    }

    /** The newest jobs, optionally only open ones. */
    public List<Job> recent(boolean openOnly, int limit) throws StoreException {
        return list("provisioning jobs", (openOnly ? "WHERE open_key IS NOT NULL " : "") + "ORDER BY id DESC", limit);
    }

    /** Jobs of a campaign per state. */
    public Map<State, Integer> counts(long campaignId) throws StoreException {
        return db.query("counts of campaign " + campaignId, c -> counts(c, campaignId));
    }

    static Map<State, Integer> counts(Connection c, long campaignId) throws SQLException {
        Map<State, Integer> m = new EnumMap<>(State.class);
        for (State s : State.values()) {
            m.put(s, 0);
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT state, COUNT(*) FROM provisioning_job WHERE"
            + " campaign_id = ? GROUP BY state")) {
            ps.setLong(1, campaignId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    m.put(State.valueOf(rs.getString(1)), rs.getInt(2));
                }
            }
        }
        return m;
    }

    /**
     * A campaign's two limits: its jobs in flight (started, not closed — one waiting for its terminal to come back
     * counts: it holds an order) and its jobs started within the last minute.
     */
    public int[] load(long campaignId) throws StoreException {
        Instant now = clock.instant();
        return db.query("load of campaign " + campaignId, c -> load(c, campaignId, now));
    }

    private static int[] load(Connection c, long campaignId, Instant now) throws SQLException {
        int[] out = new int[2];
        try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM provisioning_job WHERE campaign_id = ?"
            + " AND open_key IS NOT NULL AND started_at IS NOT NULL")) {
            ps.setLong(1, campaignId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                out[0] = rs.getInt(1);
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM provisioning_job WHERE campaign_id = ?"
            + " AND started_at > ?")) {
            ps.setLong(1, campaignId);
            Sql.setInstant(ps, 2, now.minusSeconds(60));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                out[1] = rs.getInt(1);
            }
        }
        return out;
    }

    /**
     * Marks the first attempt of campaign job {@code id} (leased by {@code owner}) only while its campaign has room
     * under both limits, counted and taken in one transaction that holds the campaign's row: engines on several
     * instances each read the load before they lease, and without this two of them could both take the last slot.
     *
     * @return true when the job is started now or was already; false when the campaign is at a limit (the job stays
     *     queued and unstarted)
     * @throws LeaseLostException the job is no longer leased by {@code owner}, or closed
     */
    public boolean claimStart(long id, String owner, long campaignId) throws StoreException, LeaseLostException {
        Instant now = clock.instant();
        int outcome = db.transaction("start job " + id + " within campaign " + campaignId, c -> {
            int max;
            int rate;
            try (PreparedStatement ps = c.prepareStatement("SELECT max_concurrent, rate_per_minute FROM"
                + " provisioning_campaign WHERE id = ? FOR UPDATE")) {
                ps.setLong(1, campaignId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return -1;
                    }
                    max = rs.getInt(1);
                    rate = rs.getInt(2);
                }
            }
            Optional<Job> job = find(c, id);
            if (job.isEmpty() || job.get().state().closed() || !owner.equals(job.get().leaseOwner().orElse(null))) {
                return -1;
            }
            if (job.get().startedAt().isPresent()) {
                return 1;
            }
            int[] load = load(c, campaignId, now);
            if (load[0] >= max || load[1] >= rate) {
                return 0;
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE provisioning_job SET started_at = ? WHERE id = ?"
                + " AND lease_owner = ? AND open_key IS NOT NULL AND started_at IS NULL")) {
                Sql.setInstant(ps, 1, now);
                ps.setLong(2, id);
                ps.setString(3, owner);
                return ps.executeUpdate() == 1 ? 1 : -1;
            }
        });
        if (outcome < 0) {
            throw new LeaseLostException("job " + id + " is no longer leased by " + owner + " or is closed");
        }
        return outcome == 1;
    }

    /** Every step of a job, oldest first. */
    public List<Step> steps(long jobId) throws StoreException {
        return db.query("steps of job " + jobId, c -> {
            List<Step> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT * FROM provisioning_step WHERE job_id = ? ORDER BY id"
                + " FETCH FIRST 1000 ROWS ONLY")) {
                ps.setLong(1, jobId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Step(rs.getLong("id"), rs.getLong("job_id"), Sql.requiredInstant(rs, "at"),
                            rs.getString("step"), rs.getString("outcome"), Sql.string(rs, "detail"),
                            rs.getString("instance")));
                    }
                }
            }
            return out;
        });
    }

    private List<Job> list(String what, String where, int limit, Object... args) throws StoreException {
        int n = Math.max(1, Math.min(limit, FleetFacts.MAX_PAGE));
        return db.query(what, c -> {
            List<Job> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT * FROM provisioning_job " + where + " FETCH FIRST " + n
                + " ROWS ONLY")) {
                for (int i = 0; i < args.length; i++) {
                    if (args[i] instanceof Long l) {
                        ps.setLong(i + 1, l);
                    } else {
                        ps.setString(i + 1, (String) args[i]);
                    }
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(read(rs));
                    }
                }
            }
            return out;
        });
    }

    static void step(Connection c, long jobId, Instant at, String step, String outcome, String detail,
                     String instance) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO provisioning_step (job_id, at, step, outcome, detail,"
            + " instance) VALUES (?, ?, ?, ?, ?, ?)")) {
            ps.setLong(1, jobId);
            Sql.setInstant(ps, 2, at);
            ps.setString(3, cut(step, 32));
            ps.setString(4, cut(outcome, 16));
            ps.setString(5, cut(detail, 1024));
            ps.setString(6, cut(instance, 128));
            ps.executeUpdate();
        }
    }

    private static Optional<Job> find(Connection c, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM provisioning_job WHERE id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(read(rs)) : Optional.empty();
            }
        }
    }

    private static void set(StringBuilder sql, List<Object> args, String column, Object value) {
        if (value != null) {
            sql.append(", ").append(column).append(" = ?");
            args.add(value);
        }
    }

    static String cut(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max);
    }

    private static Optional<Long> optLong(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? Optional.empty() : Optional.of(v);
    }

    static Job read(ResultSet rs) throws SQLException {
        return new Job(rs.getLong("id"), optLong(rs, "campaign_id"), rs.getString("terminal_id"), Sql.string(rs, "eid"),
            rs.getString("platform"), rs.getString("profile_type"),
            ConfigRule.EnablePolicy.valueOf(rs.getString("enable_policy")), State.valueOf(rs.getString("state")),
            optLong(rs, "order_id"), Sql.string(rs, "iccid"), Sql.string(rs, "imsi"), Sql.string(rs, "previous_imsi"),
            Sql.string(rs, "transaction_id"), rs.getInt("attempts"), rs.getInt("failures"),
            Sql.requiredInstant(rs, "next_attempt_at"), Sql.string(rs, "waiting_for"), Sql.string(rs, "last_error"),
            Sql.string(rs, "lease_owner"), Sql.instant(rs, "lease_until"), Sql.instant(rs, "started_at"),
            Sql.requiredInstant(rs, "created_at"), rs.getString("created_by"), Sql.requiredInstant(rs, "updated_at"),
            Sql.instant(rs, "finished_at"));
    }
}
