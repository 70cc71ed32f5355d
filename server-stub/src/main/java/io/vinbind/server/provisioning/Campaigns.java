package io.vinbind.server.provisioning;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.vinbind.server.binding.NotFoundException;
import io.vinbind.server.store.Database;
import io.vinbind.server.store.Sql;
import io.vinbind.server.store.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.tinylog.Logger;

/**
 * Campaigns: a set of terminals (a selector over the fleet, or a list of terminal ids / EIDs) times one requirement,
 * each terminal a {@link ProvisioningJobs job}, with the controls of a fleet operation: a start rate per minute, a cap
 * on jobs driven at once, an abort when the failure rate passes a threshold, pause / resume / cancel, retrying only
 * the failed, and a deadline until which terminals offline when the campaign started are taken when they come online.
 *
 * <p>What the controls stop: pause, abort and cancel stop <em>starting</em> jobs (QUEUED ones); a job past its order
 * runs to a safe end, because stopping between the order and the download would strand a reserved profile and
 * stopping mid-download would leave a session open. Cancel also closes the queued jobs, and cancels the ES2+ orders of
 * jobs ordered but not yet downloading (the profile back to stock) — the engine does that when it next takes them.
 */
public final class Campaigns {

    public enum State { RUNNING, PAUSED, CANCELLED, ABORTED, COMPLETED;

        boolean closed() {
            return this == CANCELLED || this == ABORTED || this == COMPLETED;
        }
    }

    /** Most terminals one campaign takes. */
    public static final int MAX_TERMINALS = 100_000;
    private static final Pattern EID = Pattern.compile("[0-9]{32}");
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * What a campaign is asked to do.
     *
     * @param selector terminals of the fleet the selector picks (as a configuration rule's), or
     * @param terminals an explicit list of terminal ids or EIDs (32 digits)
     * @param ratePerMinute most jobs started per minute (1–10,000)
     * @param maxConcurrent most jobs driven at once (1–1,000)
     * @param abortFailurePercent abort when more than this share of the finished jobs failed (1–100; 100: never)
     * @param abortMinFinished ... once at least this many finished (so two early failures do not end it)
     * @param deadline after it, jobs not started are closed FAILED ("deadline passed")
     */
    public record Definition(String name, ConfigRule.Requirement requirement, Optional<ConfigRule.Selector> selector,
                             List<String> terminals, int ratePerMinute, int maxConcurrent, int abortFailurePercent,
                             int abortMinFinished, Instant deadline) {
        public Definition {
            Fields.text("name", name, 128);
            Objects.requireNonNull(requirement, "requirement");
            Objects.requireNonNull(selector, "selector");
            terminals = Fields.list("terminals", terminals, MAX_TERMINALS);
            if (selector.isPresent() == !terminals.isEmpty()) {
                throw new InvalidDefinitionException("selector", "give either a selector or a list of terminals (ids"
                    + " or EIDs), not " + (selector.isPresent() ? "both" : "neither"));
            }
            for (int i = 0; i < terminals.size(); i++) {
                String t = terminals.get(i);
                if (t == null || !(EID.matcher(t).matches() || io.vinbind.protocol.Identifiers.isTerminalId(t))) {
                    throw new InvalidDefinitionException("terminals[" + i + "]", "'" + Fields.shown(t)
                        + "' is neither a terminal id nor an EID (32 digits)");
                }
            }
            Fields.range("ratePerMinute", ratePerMinute, 1, 10_000);
            Fields.range("maxConcurrent", maxConcurrent, 1, 1_000);
            Fields.range("abortFailurePercent", abortFailurePercent, 1, 100);
            Fields.range("abortMinFinished", abortMinFinished, 1, MAX_TERMINALS);
            Objects.requireNonNull(deadline, "deadline");
        }
    }

    /** A campaign as stored, with its progress. */
    public record Campaign(long id, String name, ConfigRule.Requirement requirement, int ratePerMinute,
                           int maxConcurrent, int abortFailurePercent, int abortMinFinished, Instant deadline,
                           State state, Optional<String> stateReason, String selection, Instant createdAt,
                           String createdBy, Instant updatedAt, Map<ProvisioningJobs.State, Integer> progress) {
        public Map<String, Object> view() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", id);
            m.put("name", name);
            m.put("requirement", requirement.view());
            m.put("ratePerMinute", ratePerMinute);
            m.put("maxConcurrent", maxConcurrent);
            m.put("abortFailurePercent", abortFailurePercent);
            m.put("abortMinFinished", abortMinFinished);
            m.put("deadline", deadline.toString());
            m.put("state", state);
            stateReason.ifPresent(r -> m.put("stateReason", r));
            m.put("selection", selection);
            m.put("createdAt", createdAt.toString());
            m.put("createdBy", createdBy);
            m.put("updatedAt", updatedAt.toString());
            int total = progress.values().stream().mapToInt(Integer::intValue).sum();
            m.put("terminals", total);
            m.put("progress", progress);
            int closed = progress.get(ProvisioningJobs.State.DONE) + progress.get(ProvisioningJobs.State.FAILED)
                + progress.get(ProvisioningJobs.State.CANCELLED);
            m.put("finished", closed);
            m.put("percentDone", total == 0 ? 100 : closed * 100 / total);
            return m;
        }
    }

    /** What creating a campaign did: the campaign, and the terminals left out with why. */
    public record Created(Campaign campaign, List<Map<String, String>> skipped) {
    }

    private final Database db;
    private final Clock clock;
    private final DeviceModelLibrary models;
    private final FleetFacts fleet;

    public Campaigns(Database db, Clock clock, DeviceModelLibrary models, FleetFacts fleet) {
        this.db = Objects.requireNonNull(db, "db");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.models = Objects.requireNonNull(models, "models");
        this.fleet = Objects.requireNonNull(fleet, "fleet");
    }

    /**
     * Creates a campaign and its jobs, in one transaction. Terminals that already have an open job, are unknown, or
     * (listed by EID) match no terminal, are skipped and listed.
     */
    public Created create(Definition d, String operator) throws StoreException {
        if (!d.deadline().isAfter(clock.instant())) {
            throw new InvalidDefinitionException("deadline", d.deadline() + " is not in the future");
        }
        List<TerminalFacts> targets = new ArrayList<>();
        List<Map<String, String>> skipped = new ArrayList<>();
        if (d.selector().isPresent()) {
            List<DeviceModel> all = models.list();
            String after = "";
            while (targets.size() <= MAX_TERMINALS) {
                List<TerminalFacts> page = fleet.page(after, FleetFacts.MAX_PAGE);
                if (page.isEmpty()) {
                    break;
                }
                for (TerminalFacts t : page) {
                    if (d.selector().get().selects(t, DeviceModelLibrary.match(all, t).modelId())) {
                        targets.add(t);
                    }
                }
                after = page.get(page.size() - 1).terminalId();
            }
            if (targets.size() > MAX_TERMINALS) {
                throw new InvalidDefinitionException("selector", "selects more than " + MAX_TERMINALS
                    + " terminals; narrow it or split the campaign");
            }
        } else {
            Set<String> seen = new LinkedHashSet<>();
            Map<String, TerminalFacts> byEid = null;
            for (String t : d.terminals()) {
                if (!seen.add(t)) {
                    skipped.add(Map.of("terminal", t, "why", "listed twice"));
                    continue;
                }
                if (EID.matcher(t).matches()) {
                    if (byEid == null) {
                        byEid = byEid();
                    }
                    TerminalFacts f = byEid.get(t);
                    if (f == null) {
                        skipped.add(Map.of("terminal", t, "why", "no terminal has reported this EID"));
                    } else {
                        targets.add(f);
                    }
                } else {
                    Optional<TerminalFacts> f = fleet.of(t);
                    if (f.isEmpty()) {
                        skipped.add(Map.of("terminal", t, "why", "unknown terminal (it never logged in)"));
                    } else {
                        targets.add(f.get());
                    }
                }
            }
        }
        Instant now = clock.instant();
        String selection = d.selector().map(s -> "selector " + write(s.view()))
            .orElse(d.terminals().size() + " listed terminals");
        long id = db.transaction("create campaign " + d.name(), c -> {
            long cid;
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO provisioning_campaign (name, platform,"
                + " profile_type, enable_policy, rate_per_minute, max_concurrent, abort_failure_pct, abort_min_done,"
                + " deadline, state, selection, created_at, created_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                + " ?, ?, ?, ?)", new String[] {"id"})) {
                ps.setString(1, d.name());
                ps.setString(2, d.requirement().platform());
                ps.setString(3, d.requirement().profileType());
                ps.setString(4, d.requirement().enablePolicy().name());
                ps.setInt(5, d.ratePerMinute());
                ps.setInt(6, d.maxConcurrent());
                ps.setInt(7, d.abortFailurePercent());
                ps.setInt(8, d.abortMinFinished());
                Sql.setInstant(ps, 9, d.deadline());
                ps.setString(10, State.RUNNING.name());
                ps.setString(11, ProvisioningJobs.cut(selection, 4000));
                Sql.setInstant(ps, 12, now);
                ps.setString(13, operator);
                Sql.setInstant(ps, 14, now);
                ps.executeUpdate();
                try (ResultSet keys = ps.getGeneratedKeys()) {
                    keys.next();
                    cid = keys.getLong(1);
                }
            }
            for (TerminalFacts t : targets) {
                if (new ProvisioningJobs(db, clock).createIfNone(c, t.terminalId(), t.eid(), Optional.of(cid),
                    d.requirement(), operator, now).isEmpty()) {
                    skipped.add(Map.of("terminal", t.terminalId(), "why", "has an open provisioning job"));
                }
            }
            return cid;
        });
        Campaign created = find(id).orElseThrow();
        Logger.info("campaign {} '{}' created by {}: {} terminals, {} skipped, {} per minute, {} at once", id,
            io.vinbind.log.Untrusted.escape(d.name()), io.vinbind.log.Untrusted.escape(operator),
            targets.size() - skipped.stream().filter(s -> s.get("why").startsWith("has an open")).count(),
            skipped.size(), d.ratePerMinute(), d.maxConcurrent());
        return new Created(created, skipped);
    }

    private Map<String, TerminalFacts> byEid() throws StoreException {
        Map<String, TerminalFacts> m = new LinkedHashMap<>();
        String after = "";
        for (int pages = 0; pages < MAX_TERMINALS / FleetFacts.MAX_PAGE + 1; pages++) {
            List<TerminalFacts> page = fleet.page(after, FleetFacts.MAX_PAGE);
            if (page.isEmpty()) {
                break;
            }
            for (TerminalFacts t : page) {
                t.eid().ifPresent(e -> m.putIfAbsent(e, t));
            }
            after = page.get(page.size() - 1).terminalId();
        }
        return m;
    }

    public Optional<Campaign> find(long id) throws StoreException {
        return db.query("campaign " + id, c -> find(c, id));
    }

    /** The newest campaigns first. */
    public List<Campaign> list(int limit) throws StoreException {
        int n = Math.max(1, Math.min(limit, 1000));
        return db.query("campaigns", c -> {
            List<Long> ids = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT id FROM provisioning_campaign ORDER BY id DESC FETCH"
                + " FIRST " + n + " ROWS ONLY"); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getLong(1));
                }
            }
            List<Campaign> out = new ArrayList<>();
            for (long id : ids) {
                find(c, id).ifPresent(out::add);
            }
            return out;
        });
    }

    /** RUNNING → PAUSED. */
    public Campaign pause(long id, String by) throws StoreException, NotFoundException {
        return move(id, EnumSet.of(State.RUNNING), State.PAUSED, "paused by " + by);
    }

    /** PAUSED → RUNNING. */
    public Campaign resume(long id, String by) throws StoreException, NotFoundException {
        return move(id, EnumSet.of(State.PAUSED), State.RUNNING, "resumed by " + by);
    }

    /**
     * RUNNING or PAUSED → CANCELLED; its queued jobs are closed CANCELLED at once (one an engine holds at that moment
     * is closed by that engine at its next step).
     */
    public Campaign cancel(long id, String by, ProvisioningJobs jobs) throws StoreException, NotFoundException {
        move(id, EnumSet.of(State.RUNNING, State.PAUSED), State.CANCELLED, "cancelled by " + by);
        closeQueued(id, jobs, ProvisioningJobs.State.CANCELLED, "campaign cancelled", by);
        return find(id).orElseThrow();
    }

    /**
     * Opens a new job for every terminal of the campaign whose last job FAILED (the failed job stays, as history), and
     * sets the campaign RUNNING again (from any state but CANCELLED).
     *
     * @return how many jobs were opened
     */
    public int retryFailed(long id, String by) throws StoreException, NotFoundException {
        Campaign camp = find(id).orElseThrow(() -> new NotFoundException("no campaign " + id));
        if (camp.state() == State.CANCELLED) {
            throw new IllegalStateException("campaign " + id + " is cancelled; create a new one");
        }
        Instant now = clock.instant();
        int opened = db.transaction("retry the failed of campaign " + id, c -> {
            List<String[]> failed = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT j.terminal_id, j.eid FROM provisioning_job j WHERE"
                + " j.campaign_id = ? AND j.state = 'FAILED' AND j.id = (SELECT MAX(k.id) FROM provisioning_job k WHERE"
                + " k.campaign_id = j.campaign_id AND k.terminal_id = j.terminal_id)")) {
                ps.setLong(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        failed.add(new String[] {rs.getString(1), rs.getString(2)});
                    }
                }
            }
            int n = 0;
            for (String[] f : failed) {
                if (new ProvisioningJobs(db, clock).createIfNone(c, f[0], Optional.ofNullable(f[1]), Optional.of(id),
                    camp.requirement(), by, now).isPresent()) {
                    n++;
                }
            }
            setState(c, id, State.RUNNING, "retrying " + n + " failed, by " + by, now);
            return n;
        });
        Logger.info("campaign {}: {} failed terminal(s) retried by {}", id, opened, io.vinbind.log.Untrusted.escape(by));
        return opened;
    }

    /**
     * The campaign's own housekeeping, run by the engine: past the deadline, close its queued jobs FAILED; abort on
     * the failure threshold; COMPLETED once every job is closed.
     */
    public void review(long id, ProvisioningJobs jobs) throws StoreException {
        Optional<Campaign> found = find(id);
        if (found.isEmpty() || found.get().state().closed() && found.get().state() != State.CANCELLED
            && found.get().state() != State.ABORTED) {
            return;
        }
        Campaign c = found.get();
        Instant now = clock.instant();
        if (c.state() == State.CANCELLED && c.progress().get(ProvisioningJobs.State.QUEUED) > 0) {
            // queued jobs an engine held when the cancel came: closed now that it let them go
            closeQueued(id, jobs, ProvisioningJobs.State.CANCELLED, "campaign cancelled", "campaign");
        }
        if (!now.isBefore(c.deadline()) && c.progress().get(ProvisioningJobs.State.QUEUED) > 0) {
            int n = closeQueued(id, jobs, ProvisioningJobs.State.FAILED, "deadline " + c.deadline() + " passed before"
                + " the terminal could be provisioned", "campaign");
            Logger.info("campaign {}: deadline passed, {} queued job(s) closed", id, n);
        }
        Map<ProvisioningJobs.State, Integer> p = jobs.counts(id);
        int failed = p.get(ProvisioningJobs.State.FAILED);
        int finished = failed + p.get(ProvisioningJobs.State.DONE);
        if (c.state() == State.RUNNING && finished >= c.abortMinFinished() && c.abortFailurePercent() < 100
            && failed * 100 > c.abortFailurePercent() * finished) {
            db.transaction("abort campaign " + id, x -> {
                setState(x, id, State.ABORTED, failed + " of " + finished + " finished jobs failed (more than "
                    + c.abortFailurePercent() + " %)", now);
                return null;
            });
            Logger.warn("campaign {} aborted: {} of {} finished jobs failed", id, failed, finished);
            return;
        }
        int open = p.entrySet().stream().filter(e -> !e.getKey().closed()).mapToInt(Map.Entry::getValue).sum();
        if (open == 0 && (c.state() == State.RUNNING || c.state() == State.PAUSED)) {
            db.transaction("complete campaign " + id, x -> {
                setState(x, id, State.COMPLETED, p.get(ProvisioningJobs.State.DONE) + " done, " + failed + " failed, "
                    + p.get(ProvisioningJobs.State.CANCELLED) + " cancelled", now);
                return null;
            });
            Logger.info("campaign {} completed: {}", id, p);
        }
    }

    /** Campaigns that still need the engine's attention (running, paused, or stopping with jobs open). */
    public List<Long> active() throws StoreException {
        return db.query("active campaigns", c -> {
            List<Long> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT DISTINCT c.id FROM provisioning_campaign c WHERE"
                + " c.state IN ('RUNNING', 'PAUSED') OR EXISTS (SELECT 1 FROM provisioning_job j WHERE j.campaign_id ="
                + " c.id AND j.open_key IS NOT NULL)"); ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getLong(1));
                }
            }
            return out;
        });
    }

    private int closeQueued(long id, ProvisioningJobs jobs, ProvisioningJobs.State to, String why, String by)
            throws StoreException {
        int n = 0;
        for (int round = 0; round < MAX_TERMINALS / FleetFacts.MAX_PAGE + 1; round++) { // pages of 10,000
            int closed = 0;
            for (ProvisioningJobs.Job j : jobs.queuedOf(id, FleetFacts.MAX_PAGE)) {
                if (jobs.close(j.id(), to, EnumSet.of(ProvisioningJobs.State.QUEUED), why, by)) {
                    closed++;
                }
            }
            n += closed;
            if (closed == 0) {
                break; // none left, or only ones an engine holds right now (closed at a later review)
            }
        }
        return n;
    }

    private Campaign move(long id, Set<State> from, State to, String why) throws StoreException, NotFoundException {
        Instant now = clock.instant();
        Campaign c = find(id).orElseThrow(() -> new NotFoundException("no campaign " + id));
        if (!from.contains(c.state())) {
            throw new IllegalStateException("campaign " + id + " is " + c.state() + "; " + to.name().toLowerCase()
                + " needs it " + String.join(" or ", from.stream().map(Enum::name).toList()));
        }
        db.transaction("campaign " + id + " -> " + to, x -> {
            try (PreparedStatement ps = x.prepareStatement("UPDATE provisioning_campaign SET state = ?, state_reason = ?,"
                + " updated_at = ? WHERE id = ? AND state = ?")) {
                ps.setString(1, to.name());
                ps.setString(2, ProvisioningJobs.cut(why, 512));
                Sql.setInstant(ps, 3, now);
                ps.setLong(4, id);
                ps.setString(5, c.state().name());
                if (ps.executeUpdate() != 1) {
                    throw new IllegalStateException("campaign " + id + " changed meanwhile; try again");
                }
            }
            return null;
        });
        Logger.info("campaign {}: {} ({})", id, to, io.vinbind.log.Untrusted.escape(why));
        return find(id).orElseThrow();
    }

    private static void setState(Connection c, long id, State s, String why, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE provisioning_campaign SET state = ?, state_reason = ?,"
            + " updated_at = ? WHERE id = ?")) {
            ps.setString(1, s.name());
            ps.setString(2, ProvisioningJobs.cut(why, 512));
            Sql.setInstant(ps, 3, now);
            ps.setLong(4, id);
            ps.executeUpdate();
        }
    }

    private static Optional<Campaign> find(Connection c, long id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM provisioning_campaign WHERE id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                return Optional.of(new Campaign(rs.getLong("id"), rs.getString("name"),
                    new ConfigRule.Requirement(rs.getString("platform"), rs.getString("profile_type"), Optional.empty(),
                        ConfigRule.EnablePolicy.valueOf(rs.getString("enable_policy"))),
                    rs.getInt("rate_per_minute"), rs.getInt("max_concurrent"), rs.getInt("abort_failure_pct"),
                    rs.getInt("abort_min_done"), Sql.requiredInstant(rs, "deadline"), State.valueOf(rs.getString("state")),
                    Sql.string(rs, "state_reason"), rs.getString("selection"), Sql.requiredInstant(rs, "created_at"),
                    rs.getString("created_by"), Sql.requiredInstant(rs, "updated_at"), ProvisioningJobs.counts(c, id)));
            }
        }
    }

    private static String write(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return String.valueOf(o);
        }
    }

    /** The default deadline of a campaign: a week. */
    public static final Duration DEFAULT_DEADLINE = Duration.ofDays(7);
}
