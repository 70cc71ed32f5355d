package io.vinbind.server.presence;

import io.vinbind.protocol.Heartbeat;
import io.vinbind.protocol.HeartbeatAck;
import io.vinbind.protocol.PresenceState;
import io.vinbind.protocol.Protocol;
import io.vinbind.server.provisioning.DeviceModel;
import io.vinbind.server.provisioning.DeviceModelLibrary;
import io.vinbind.server.provisioning.FleetFacts;
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
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.tinylog.Logger;

/**
 * The online dictionary, the window counts and the limits table.
 *
 * <p><b>A heartbeat</b> is one transaction on the terminal's presence row (locked, so heartbeats of one terminal that
 * reach two server instances at once are applied one after the other): it is counted in its window unless it is a
 * redelivery (not newer than the last heartbeat of the same session); it marks the terminal online (an ONLINE event
 * when it was not, with the windows it missed); a POWER_OFF or a Will (LOST) of the current session marks it
 * offline at once. The answer carries the limits the table gives the terminal; their version grows only when they
 * change, so the terminal re-applies them only then.
 *
 * <p><b>The sweeper</b> ({@link #sweep}) marks offline every terminal silent for longer than the timeout. Each
 * transition is a conditional update ({@code … WHERE online = TRUE AND last_seen < cutoff}) and only the
 * transaction whose update changed the row records the OFFLINE event, so any number of instances may sweep at once
 * and none reports a transition twice.
 */
public final class PresenceService {

    /** Most terminals one sweep takes (the next sweep takes the rest). */
    static final int SWEEP_BATCH = 1000;
    /** How long the device models used to select limit rows are cached. */
    static final Duration MODEL_CACHE = Duration.ofSeconds(30);
    /**
     * How long the limits table is cached for heartbeats: a change reaches every instance's answers within this
     * (and this instance's at once).
     */
    static final Duration RULE_CACHE = Duration.ofSeconds(5);

    /** The online dictionary's entry of one terminal. */
    public record Entry(String terminalId, boolean online, Instant stateSince, Instant lastSeen, Limits limits,
                        int configVersion, Optional<String> limitName, long droppedRecords, String session,
                        int lastSequence) {
        public Map<String, Object> view() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("terminalId", terminalId);
            m.put("online", online);
            m.put("since", stateSince.toString());
            m.put("lastSeen", lastSeen.toString());
            m.put("limits", limits.view());
            m.put("configVersion", configVersion);
            limitName.ifPresent(n -> m.put("limitRule", n));
            m.put("droppedRecords", droppedRecords);
            return m;
        }
    }

    /** An online or offline transition. */
    public record Event(long id, String terminalId, Instant at, String event, String cause, Instant lastSeen,
                        int missedWindows, String source) {
        public Map<String, Object> view() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", id);
            m.put("terminalId", terminalId);
            m.put("at", at.toString());
            m.put("event", event);
            m.put("cause", cause);
            m.put("lastSeen", lastSeen.toString());
            m.put("missedWindows", missedWindows);
            m.put("source", source);
            return m;
        }
    }

    /** Heartbeats of one terminal in one window. */
    public record Window(Instant start, Instant end, int heartbeats, int records) {
        public Map<String, Object> view() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("start", start.toString());
            m.put("end", end.toString());
            m.put("heartbeats", heartbeats);
            m.put("records", records);
            return m;
        }
    }

    private final Database db;
    private final Clock clock;
    private final PresenceSettings settings;
    private final DeviceModelLibrary models;
    private final FleetFacts fleet;
    private volatile List<DeviceModel> cachedModels = List.of();
    private volatile List<LimitRule> cachedRules = List.of();
    private volatile Instant rulesReadAt = Instant.MIN;
    private volatile Instant modelsReadAt = Instant.MIN;

    public PresenceService(Database db, Clock clock, PresenceSettings settings, DeviceModelLibrary models,
                           FleetFacts fleet) {
        this.db = Objects.requireNonNull(db, "db");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.models = Objects.requireNonNull(models, "models");
        this.fleet = Objects.requireNonNull(fleet, "fleet");
    }

    public PresenceSettings settings() {
        return settings;
    }

    /**
     * Applies one heartbeat of {@code terminalId} (the topic's, authenticated by the broker) and answers it.
     *
     * @throws IllegalArgumentException when the payload names another terminal than the topic
     */
    public HeartbeatAck heartbeat(Heartbeat hb, String terminalId, String source) throws StoreException {
        return db.transaction("heartbeat of " + terminalId, groupWork(hb, terminalId, source));
    }

    /**
     * The heartbeat as work on a connection, for {@link #heartbeat} (its own transaction) or a group commit
     * ({@link Database#transactionEach}, one transaction for the heartbeats that arrived together). What it needs
     * besides the row (the limits table, the terminal's model; both cached) is read now, outside the transaction.
     *
     * @throws IllegalArgumentException when the payload names another terminal than the topic
     * @throws StoreException when the limits table or the device models cannot be read
     */
    public io.vinbind.server.store.SqlWork<HeartbeatAck> groupWork(Heartbeat hb, String terminalId, String source)
        throws StoreException {
        return groupWork(hb, terminalId, source, null);
    }

    /**
     * As {@link #groupWork(Heartbeat, String, String)}, sharing {@code group}'s reads and writes with the other
     * heartbeats of a group commit (see {@link Group}); null: none.
     */
    public io.vinbind.server.store.SqlWork<HeartbeatAck> groupWork(Heartbeat hb, String terminalId, String source,
                                                                    Group group) throws StoreException {
        if (!hb.terminalId().equals(terminalId)) {
            throw new IllegalArgumentException("heartbeat names terminal " + hb.terminalId() + " on the topic of "
                + terminalId);
        }
        List<LimitRule> rules = cachedRules();
        Optional<String> model = rules.stream().anyMatch(r -> !r.models().isEmpty()) ? modelOf(terminalId) : Optional.empty();
        Instant now = clock.instant();
        if (group != null) {
            group.want(terminalId);
        }
        return c -> {
            if (group != null && group.steady(c, terminalId, hb)) {
                // the common case, a heartbeat of an online terminal's session: the row was locked and read with the
                // group's, the writes join the group's batches
                Entry e = group.rows.get(terminalId);
                boolean fresh = !e.session().equals(hb.session()) || hb.sequence() > e.lastSequence();
                if (fresh) {
                    group.seen.add(new Seen(terminalId, now, hb.session(), hb.sequence()));
                    group.counted.add(new Counted(terminalId, windowStart(now)));
                }
                Instant last = windowStart(now).minus(settings.window());
                int lastWindow = last.equals(group.lastWindow) ? group.lastCounts.getOrDefault(terminalId, 0)
                    : countIn(c, terminalId, last);
                return limited(c, hb, terminalId, Optional.of(e), rules, model, lastWindow);
            }
            Optional<Entry> row = lock(c, terminalId); // the one read of the row: the rest follows from it
            // newer than the last heartbeat the row has: another session, or a higher sequence of the same one
            boolean fresh = row.isEmpty() || !row.get().session().equals(hb.session())
                || hb.sequence() > row.get().lastSequence();
            if (hb.state() == PresenceState.LOST) {
                // the Will of the session the row knows ends it; an older session's Will, or a repeat, does nothing
                if (row.isPresent() && row.get().online() && row.get().session().equals(hb.session())) {
                    goOffline(c, terminalId, now, row.get().lastSeen(), "CONNECTION_LOST", source);
                }
                return ack(hb, row.map(Entry::limits).orElse(settings.defaults()),
                    row.map(Entry::configVersion).orElse(1));
            }
            if (row.isEmpty()) {
                insert(c, terminalId, hb, now);
                event(c, terminalId, now, "ONLINE", "FIRST_HEARTBEAT", now, 0, source);
                count(c, terminalId, now);
            } else if (fresh) {
                Entry e = row.get();
                try (PreparedStatement ps = c.prepareStatement("UPDATE presence SET last_seen = ?, session = ?,"
                    + " last_sequence = ? WHERE terminal_id = ?")) {
                    Sql.setInstant(ps, 1, now);
                    ps.setString(2, hb.session());
                    ps.setInt(3, hb.sequence());
                    ps.setString(4, terminalId);
                    ps.executeUpdate();
                }
                count(c, terminalId, now);
                if (!e.online()) {
                    setOnline(c, terminalId, true, now);
                    event(c, terminalId, now, "ONLINE", "HEARTBEAT", e.lastSeen(), missedWindows(e.lastSeen(), now),
                        source);
                }
            }
            if (fresh && hb.state() == PresenceState.POWER_OFF) {
                goOffline(c, terminalId, now, now, "POWER_OFF", source);
            }
            int lastWindow = countIn(c, terminalId, windowStart(now).minus(settings.window()));
            return limited(c, hb, terminalId, row, rules, model, lastWindow);
        };
    }

    /**
     * The limits the table gives the terminal now (by its model and its last window's count), written to its row when
     * they or the deciding rule changed (the version grows only with the limits), and the answer carrying them.
     */
    private HeartbeatAck limited(Connection c, Heartbeat hb, String terminalId, Optional<Entry> row,
                                 List<LimitRule> rules, Optional<String> model, int lastWindow) throws SQLException {
        Optional<LimitRule> rule = rules.stream().filter(r -> r.selects(model, lastWindow)).findFirst();
        Limits limits = rule.map(LimitRule::limits).orElse(settings.defaults());
        // what the row holds now: the updates before leave the limits columns as they were
        Limits currentLimits = row.map(Entry::limits).orElse(settings.defaults());
        int currentVersion = row.map(Entry::configVersion).orElse(1);
        Optional<String> currentRule = row.flatMap(Entry::limitName);
        int version = currentVersion;
        if (!limits.equals(currentLimits) || !rule.map(LimitRule::name).equals(currentRule)) {
            version = limits.equals(currentLimits) ? version : version + 1;
            try (PreparedStatement ps = c.prepareStatement("UPDATE presence SET heartbeat_interval_s = ?,"
                + " send_interval_s = ?, storage_records = ?, config_version = ?, limit_name = ? WHERE terminal_id = ?")) {
                ps.setInt(1, limits.heartbeatIntervalS());
                ps.setInt(2, limits.sendIntervalS());
                ps.setInt(3, limits.storageRecords());
                ps.setInt(4, version);
                Sql.setOptional(ps, 5, rule.map(LimitRule::name));
                ps.setString(6, terminalId);
                ps.executeUpdate();
            }
            if (version != currentVersion) {
                Logger.info("presence: {} gets limits {} (rule {}), version {}", terminalId, limits,
                    rule.map(LimitRule::name).orElse("defaults"), version);
            }
        }
        return ack(hb, limits, version);
    }

    /** A new group for the heartbeats of one group commit. */
    public Group newGroup() {
        return new Group();
    }

    private record Seen(String terminalId, Instant at, String session, int sequence) {
    }

    private record Counted(String terminalId, Instant windowStart) {
    }

    /**
     * What the heartbeats of one group commit share: their presence rows locked and read in one statement (in
     * terminal order, the order a group's pieces run in), their last windows' counts read in one, and the writes of
     * the common case — an online terminal's heartbeat: its row's last seen, its window's count — sent as two JDBC
     * batches ({@link #flush}) instead of three statements each. A heartbeat that changes more (a first heartbeat,
     * an offline terminal coming back, a POWER_OFF, a Will) or whose terminal has another heartbeat in the group takes
     * the single path inside the same transaction. Valid only on the connection the prefetch ran on.
     */
    public final class Group {
        private final Map<String, Integer> wanted = new java.util.TreeMap<>();
        private final Map<String, Entry> rows = new java.util.HashMap<>();
        private final Map<String, Integer> lastCounts = new java.util.HashMap<>();
        private final List<Seen> seen = new ArrayList<>();
        private final List<Counted> counted = new ArrayList<>();
        private Instant lastWindow;
        private Connection filledOn;

        private Group() {
        }

        private void want(String terminalId) {
            wanted.merge(terminalId, 1, Integer::sum);
        }

        /** True when this heartbeat can take the shared path: one of its terminal in the group, online, alive. */
        private boolean steady(Connection c, String terminalId, Heartbeat hb) {
            Entry e = rows.get(terminalId);
            return filledOn == c && e != null && e.online() && hb.state() == PresenceState.ALIVE
                && wanted.getOrDefault(terminalId, 0) == 1;
        }

        /** Locks and reads the group's rows and last-window counts; first piece of the group's transaction. */
        public io.vinbind.server.store.SqlWork<Void> prefetch() {
            return c -> {
                filledOn = null;
                rows.clear();
                lastCounts.clear();
                seen.clear();
                counted.clear();
                if (wanted.isEmpty()) {
                    return null;
                }
                List<String> ids = new ArrayList<>(wanted.keySet());
                String marks = String.join(",", java.util.Collections.nCopies(ids.size(), "?"));
                try (PreparedStatement ps = c.prepareStatement("SELECT * FROM presence WHERE terminal_id IN (" + marks
                    + ") ORDER BY terminal_id FOR UPDATE")) {
                    for (int i = 0; i < ids.size(); i++) {
                        ps.setString(i + 1, ids.get(i));
                    }
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            Entry e = entry(rs);
                            rows.put(e.terminalId(), e);
                        }
                    }
                }
                lastWindow = windowStart(clock.instant()).minus(settings.window());
                try (PreparedStatement ps = c.prepareStatement("SELECT terminal_id, heartbeats FROM presence_window"
                    + " WHERE window_start = ? AND terminal_id IN (" + marks + ")")) {
                    Sql.setInstant(ps, 1, lastWindow);
                    for (int i = 0; i < ids.size(); i++) {
                        ps.setString(i + 2, ids.get(i));
                    }
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            lastCounts.put(rs.getString(1), rs.getInt(2));
                        }
                    }
                }
                filledOn = c;
                return null;
            };
        }

        /**
         * Writes what the shared path deferred: last piece of the group's transaction. It must not be left out of a
         * group the way a failing request is (the answers computed before it would then claim writes that never
         * happened): its failure abandons the whole group ({@link Database#WHOLE_GROUP} as its key).
         */
        public io.vinbind.server.store.SqlWork<Void> flush() {
            return c -> {
                if (filledOn != c) {
                    return null;
                }
                if (!seen.isEmpty()) {
                    try (PreparedStatement ps = c.prepareStatement("UPDATE presence SET last_seen = ?, session = ?,"
                        + " last_sequence = ? WHERE terminal_id = ?")) {
                        for (Seen s : seen) {
                            Sql.setInstant(ps, 1, s.at());
                            ps.setString(2, s.session());
                            ps.setInt(3, s.sequence());
                            ps.setString(4, s.terminalId());
                            ps.addBatch();
                        }
                        int[] n = ps.executeBatch();
                        for (int i = 0; i < n.length; i++) {
                            if (n[i] != 1) {
                                throw new SQLException("presence row of " + seen.get(i).terminalId() + " not updated ("
                                    + n[i] + ")");
                            }
                        }
                    }
                }
                if (!counted.isEmpty()) {
                    List<Counted> missing = new ArrayList<>();
                    try (PreparedStatement ps = c.prepareStatement("UPDATE presence_window SET heartbeats = heartbeats"
                        + " + 1 WHERE terminal_id = ? AND window_start = ?")) {
                        for (Counted k : counted) {
                            ps.setString(1, k.terminalId());
                            Sql.setInstant(ps, 2, k.windowStart());
                            ps.addBatch();
                        }
                        int[] n = ps.executeBatch();
                        for (int i = 0; i < n.length; i++) {
                            if (n[i] == 0) {
                                missing.add(counted.get(i));
                            } else if (n[i] != 1) { // SUCCESS_NO_INFO would hide a missing window
                                throw new SQLException("window count of " + counted.get(i).terminalId()
                                    + " not known to be updated (" + n[i] + ")");
                            }
                        }
                    }
                    if (!missing.isEmpty()) { // a window's first heartbeat; one raced by another instance fails the group
                        try (PreparedStatement ps = c.prepareStatement("INSERT INTO presence_window (terminal_id,"
                            + " window_start, heartbeats) VALUES (?, ?, 1)")) {
                            for (Counted k : missing) {
                                ps.setString(1, k.terminalId());
                                Sql.setInstant(ps, 2, k.windowStart());
                                ps.addBatch();
                            }
                            ps.executeBatch();
                        }
                    }
                }
                return null;
            };
        }
    }

    private static HeartbeatAck ack(Heartbeat hb, Limits l, int version) {
        return new HeartbeatAck(Protocol.VERSION, hb.requestId(), hb.terminalId(), l.heartbeatIntervalS(),
            l.sendIntervalS(), l.storageRecords(), version);
    }

    /**
     * Marks offline every terminal whose last heartbeat is older than the timeout, each transition recorded once
     * whatever other instances sweep at the same time.
     *
     * @return the transitions this call recorded
     */
    public int sweep(String source) throws StoreException {
        Instant now = clock.instant();
        Instant cutoff = now.minus(settings.timeout());
        List<String[]> silent = db.query("silent terminals", c -> {
            List<String[]> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT terminal_id FROM presence WHERE online = TRUE"
                + " AND last_seen < ? ORDER BY last_seen FETCH FIRST " + SWEEP_BATCH + " ROWS ONLY")) {
                Sql.setInstant(ps, 1, cutoff);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new String[] {rs.getString(1)});
                    }
                }
            }
            return out;
        });
        int done = 0;
        for (String[] t : silent) {
            boolean flipped = db.transaction("sweep " + t[0], c -> {
                Instant lastSeen;
                try (PreparedStatement ps = c.prepareStatement("SELECT last_seen FROM presence WHERE terminal_id = ?"
                    + " AND online = TRUE AND last_seen < ? FOR UPDATE")) {
                    ps.setString(1, t[0]);
                    Sql.setInstant(ps, 2, cutoff);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (!rs.next()) {
                            return false; // a heartbeat or another instance got there first
                        }
                        lastSeen = Sql.requiredInstant(rs, "last_seen");
                    }
                }
                return goOffline(c, t[0], now, lastSeen, "TIMEOUT", source);
            });
            if (flipped) {
                done++;
            }
        }
        if (done > 0) {
            Logger.info("presence: {} terminal(s) offline after {} s of silence", done, settings.timeout().toSeconds());
        }
        return done;
    }

    public Optional<Entry> entry(String terminalId) throws StoreException {
        return db.query("presence of " + terminalId, c -> read(c, terminalId, false));
    }

    /** Online (or offline) terminals, most recently seen first. */
    public List<Entry> list(boolean online, int limit) throws StoreException {
        int n = Math.max(1, Math.min(limit, 10_000));
        return db.query("presence list", c -> {
            List<Entry> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT * FROM presence WHERE online = ? ORDER BY last_seen"
                + " DESC FETCH FIRST " + n + " ROWS ONLY")) {
                ps.setBoolean(1, online);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(entry(rs));
                    }
                }
            }
            return out;
        });
    }

    /** How many terminals are online and offline now. */
    public Map<String, Object> summary() throws StoreException {
        return db.query("presence summary", c -> {
            Map<String, Object> m = new LinkedHashMap<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT online, COUNT(*) FROM presence GROUP BY online");
                 ResultSet rs = ps.executeQuery()) {
                m.put("online", 0L);
                m.put("offline", 0L);
                while (rs.next()) {
                    m.put(rs.getBoolean(1) ? "online" : "offline", rs.getLong(2));
                }
            }
            m.put("windowS", settings.window().toSeconds());
            m.put("timeoutS", settings.timeout().toSeconds());
            m.put("defaults", settings.defaults().view());
            return m;
        });
    }

    /** Transitions after event id {@code after} (0 from the start), oldest first: a feed a back end polls. */
    public List<Event> events(Optional<String> terminalId, long after, int limit) throws StoreException {
        int n = Math.max(1, Math.min(limit, 1000));
        return db.query("presence events", c -> {
            List<Event> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT * FROM presence_event WHERE id > ?"
                + (terminalId.isPresent() ? " AND terminal_id = ?" : "") + " ORDER BY id FETCH FIRST " + n + " ROWS ONLY")) {
                ps.setLong(1, after);
                if (terminalId.isPresent()) {
                    ps.setString(2, terminalId.get());
                }
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(eventOf(rs));
                    }
                }
            }
            return out;
        });
    }

    /** A {@code presence_event} row. */
    static Event eventOf(ResultSet rs) throws SQLException {
        return new Event(rs.getLong("id"), rs.getString("terminal_id"), Sql.requiredInstant(rs, "at"),
            rs.getString("event"), rs.getString("cause"), Sql.requiredInstant(rs, "last_seen"),
            rs.getInt("missed_windows"), rs.getString("source"));
    }

    /** A terminal's window counts, newest first. */
    public List<Window> windows(String terminalId, int limit) throws StoreException {
        int n = Math.max(1, Math.min(limit, 1000));
        return db.query("presence windows of " + terminalId, c -> {
            List<Window> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT window_start, heartbeats, records FROM presence_window"
                + " WHERE terminal_id = ? ORDER BY window_start DESC FETCH FIRST " + n + " ROWS ONLY")) {
                ps.setString(1, terminalId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Instant start = Sql.requiredInstant(rs, "window_start");
                        out.add(new Window(start, start.plus(settings.window()), rs.getInt("heartbeats"),
                            rs.getInt("records")));
                    }
                }
            }
            return out;
        });
    }

    // --- status records -------------------------------------------------------------------------------------

    /** One stored status record. */
    public record StatusRecord(String session, int seq, Instant recordedAt, Instant receivedAt, Map<String, String> facts) {
        public Map<String, Object> view() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("session", session);
            m.put("n", seq);
            m.put("at", recordedAt.toString());
            m.put("receivedAt", receivedAt.toString());
            m.put("facts", facts);
            return m;
        }
    }

    /**
     * Stores a batch of status records, each once by (terminal, session, n), counts them in the arrival's window and
     * adds what the terminal dropped to its total; answers how many were new.
     *
     * @throws IllegalArgumentException when the payload names another terminal than the topic, or a record's time is
     *     not an instant
     */
    public io.vinbind.protocol.StatusAck status(io.vinbind.protocol.StatusReport report, String terminalId)
        throws StoreException {
        if (!report.terminalId().equals(terminalId)) {
            throw new IllegalArgumentException("status report names terminal " + report.terminalId()
                + " on the topic of " + terminalId);
        }
        List<Object[]> parsed = new ArrayList<>();
        for (String r : report.records()) {
            String[] parts = r.split(";");
            int n = Integer.parseInt(parts[0].substring(2));
            Instant at;
            try {
                at = Instant.parse(parts[1].substring(2));
            } catch (java.time.format.DateTimeParseException e) {
                throw new IllegalArgumentException("status record n=" + n + ": t=" + parts[1].substring(2)
                    + " is not an ISO-8601 instant");
            }
            String facts = String.join(";", Arrays.asList(parts).subList(2, parts.length));
            parsed.add(new Object[] {n, at, facts});
        }
        Instant now = clock.instant();
        return db.transaction("status records of " + terminalId, c -> {
            int stored = 0;
            int duplicates = 0;
            for (Object[] p : parsed) {
                try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM status_record WHERE terminal_id = ?"
                    + " AND session = ? AND seq = ?")) {
                    ps.setString(1, terminalId);
                    ps.setString(2, report.session());
                    ps.setInt(3, (Integer) p[0]);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next()) {
                            duplicates++;
                            continue;
                        }
                    }
                }
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO status_record (terminal_id, session, seq,"
                    + " recorded_at, received_at, facts) VALUES (?, ?, ?, ?, ?, ?)")) {
                    ps.setString(1, terminalId);
                    ps.setString(2, report.session());
                    ps.setInt(3, (Integer) p[0]);
                    Sql.setInstant(ps, 4, (Instant) p[1]);
                    Sql.setInstant(ps, 5, now);
                    ps.setString(6, (String) p[2]);
                    ps.executeUpdate();
                }
                stored++;
            }
            if (stored > 0) {
                Instant start = windowStart(now);
                int updated;
                try (PreparedStatement ps = c.prepareStatement("UPDATE presence_window SET records = records + ?"
                    + " WHERE terminal_id = ? AND window_start = ?")) {
                    ps.setInt(1, stored);
                    ps.setString(2, terminalId);
                    Sql.setInstant(ps, 3, start);
                    updated = ps.executeUpdate();
                }
                if (updated == 0) {
                    try (PreparedStatement ps = c.prepareStatement("INSERT INTO presence_window (terminal_id,"
                        + " window_start, heartbeats, records) VALUES (?, ?, 0, ?)")) {
                        ps.setString(1, terminalId);
                        Sql.setInstant(ps, 2, start);
                        ps.setInt(3, stored);
                        ps.executeUpdate();
                    }
                }
            }
            if (report.dropped() > 0 && stored > 0) { // a batch sent again must not count its drops twice
                try (PreparedStatement ps = c.prepareStatement("UPDATE presence SET dropped_records = dropped_records"
                    + " + ? WHERE terminal_id = ?")) {
                    ps.setInt(1, report.dropped());
                    ps.setString(2, terminalId);
                    ps.executeUpdate();
                }
            }
            return new io.vinbind.protocol.StatusAck(Protocol.VERSION, report.requestId(), terminalId, stored, duplicates);
        });
    }

    /** A terminal's status records, newest first. */
    public List<StatusRecord> records(String terminalId, int limit) throws StoreException {
        int n = Math.max(1, Math.min(limit, 1000));
        return db.query("status records of " + terminalId, c -> {
            List<StatusRecord> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT * FROM status_record WHERE terminal_id = ?"
                + " ORDER BY recorded_at DESC, seq DESC FETCH FIRST " + n + " ROWS ONLY")) {
                ps.setString(1, terminalId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Map<String, String> facts = new LinkedHashMap<>();
                        String f = rs.getString("facts");
                        if (!f.isEmpty()) {
                            for (String kv : f.split(";")) {
                                int eq = kv.indexOf('=');
                                facts.put(kv.substring(0, eq), kv.substring(eq + 1));
                            }
                        }
                        out.add(new StatusRecord(rs.getString("session"), rs.getInt("seq"),
                            Sql.requiredInstant(rs, "recorded_at"), Sql.requiredInstant(rs, "received_at"), facts));
                    }
                }
            }
            return out;
        });
    }

    // --- the limits table ----------------------------------------------------------------------------------

    /** The rows, highest priority first (then by name); read at most every {@link #RULE_CACHE} for heartbeats. */
    private List<LimitRule> cachedRules() throws StoreException {
        Instant now = clock.instant();
        if (rulesReadAt.plus(RULE_CACHE).isBefore(now)) {
            cachedRules = limitRules();
            rulesReadAt = now;
        }
        return cachedRules;
    }

    /** The rows, highest priority first (then by name). */
    public List<LimitRule> limitRules() throws StoreException {
        return db.query("limits table", c -> {
            List<LimitRule> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT * FROM presence_limit");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String models = rs.getString("models");
                    out.add(new LimitRule(rs.getString("name"), rs.getInt("priority"),
                        models.isEmpty() ? List.of() : Arrays.asList(models.split(",")),
                        optionalInt(rs, "min_heartbeats"), optionalInt(rs, "max_heartbeats"),
                        new Limits(rs.getInt("heartbeat_interval_s"), rs.getInt("send_interval_s"),
                            rs.getInt("storage_records"))));
                }
            }
            out.sort(Comparator.comparingInt(LimitRule::priority).reversed().thenComparing(LimitRule::name));
            return out;
        });
    }

    /**
     * Creates or replaces a row; terminals get the change with the answer to their next heartbeat.
     *
     * @return true when it was created
     * @throws IllegalArgumentException when its heartbeat interval does not fit twice into the timeout
     */
    public boolean putLimit(LimitRule rule, String operator) throws StoreException {
        PresenceSettings.checkFits(rule.limits(), settings.timeout());
        boolean created = db.transaction("put limit " + rule.name(), c -> {
            int changed;
            try (PreparedStatement ps = c.prepareStatement("UPDATE presence_limit SET priority = ?, models = ?,"
                + " min_heartbeats = ?, max_heartbeats = ?, heartbeat_interval_s = ?, send_interval_s = ?,"
                + " storage_records = ?, updated_at = ?, updated_by = ? WHERE name = ?")) {
                bindLimit(ps, rule, operator);
                ps.setString(10, rule.name());
                changed = ps.executeUpdate();
            }
            if (changed == 0) {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO presence_limit (priority, models,"
                    + " min_heartbeats, max_heartbeats, heartbeat_interval_s, send_interval_s, storage_records,"
                    + " updated_at, updated_by, name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                    bindLimit(ps, rule, operator);
                    ps.setString(10, rule.name());
                    ps.executeUpdate();
                }
            }
            return changed == 0;
        });
        rulesReadAt = Instant.MIN; // this instance answers with the change at once
        return created;
    }

    public boolean deleteLimit(String name) throws StoreException {
        boolean deleted = db.transaction("delete limit " + name, c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM presence_limit WHERE name = ?")) {
                ps.setString(1, name);
                return ps.executeUpdate() > 0;
            }
        });
        rulesReadAt = Instant.MIN;
        return deleted;
    }

    private void bindLimit(PreparedStatement ps, LimitRule r, String operator) throws SQLException {
        ps.setInt(1, r.priority());
        ps.setString(2, String.join(",", r.models()));
        setOptionalInt(ps, 3, r.minHeartbeats());
        setOptionalInt(ps, 4, r.maxHeartbeats());
        ps.setInt(5, r.limits().heartbeatIntervalS());
        ps.setInt(6, r.limits().sendIntervalS());
        ps.setInt(7, r.limits().storageRecords());
        Sql.setInstant(ps, 8, clock.instant());
        ps.setString(9, operator);
    }

    // --- internals -----------------------------------------------------------------------------------------

    private Optional<String> modelOf(String terminalId) throws StoreException {
        Instant now = clock.instant();
        if (modelsReadAt.plus(MODEL_CACHE).isBefore(now)) {
            cachedModels = models.list();
            modelsReadAt = now;
        }
        return fleet.of(terminalId).flatMap(f -> DeviceModelLibrary.match(cachedModels, f).modelId());
    }

    private Instant windowStart(Instant at) {
        long w = settings.window().toMillis();
        return Instant.ofEpochMilli(Math.floorDiv(at.toEpochMilli(), w) * w);
    }

    private int missedWindows(Instant lastSeen, Instant now) {
        long between = windowStart(now).toEpochMilli() - windowStart(lastSeen).toEpochMilli();
        return (int) Math.max(0, between / settings.window().toMillis() - 1);
    }

    private void count(Connection c, String terminalId, Instant now) throws SQLException {
        Instant start = windowStart(now);
        int updated;
        try (PreparedStatement ps = c.prepareStatement("UPDATE presence_window SET heartbeats = heartbeats + 1"
            + " WHERE terminal_id = ? AND window_start = ?")) {
            ps.setString(1, terminalId);
            Sql.setInstant(ps, 2, start);
            updated = ps.executeUpdate();
        }
        if (updated == 0) { // a concurrent insert of the same window is a unique violation: the transaction is retried
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO presence_window (terminal_id, window_start,"
                + " heartbeats) VALUES (?, ?, 1)")) {
                ps.setString(1, terminalId);
                Sql.setInstant(ps, 2, start);
                ps.executeUpdate();
            }
        }
    }

    private int countIn(Connection c, String terminalId, Instant start) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT heartbeats FROM presence_window WHERE terminal_id = ?"
            + " AND window_start = ?")) {
            ps.setString(1, terminalId);
            Sql.setInstant(ps, 2, start);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getInt(1) : 0;
            }
        }
    }

    private void insert(Connection c, String terminalId, Heartbeat hb, Instant now) throws SQLException {
        Limits d = settings.defaults();
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO presence (terminal_id, online, state_since, last_seen,"
            + " session, last_sequence, heartbeat_interval_s, send_interval_s, storage_records, config_version)"
            + " VALUES (?, TRUE, ?, ?, ?, ?, ?, ?, ?, 1)")) {
            ps.setString(1, terminalId);
            Sql.setInstant(ps, 2, now);
            Sql.setInstant(ps, 3, now);
            ps.setString(4, hb.session());
            ps.setInt(5, hb.sequence());
            ps.setInt(6, d.heartbeatIntervalS());
            ps.setInt(7, d.sendIntervalS());
            ps.setInt(8, d.storageRecords());
            ps.executeUpdate();
        }
    }

    private static void setOnline(Connection c, String terminalId, boolean online, Instant now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE presence SET online = ?, state_since = ? WHERE terminal_id = ?")) {
            ps.setBoolean(1, online);
            Sql.setInstant(ps, 2, now);
            ps.setString(3, terminalId);
            ps.executeUpdate();
        }
    }

    /** @return true when this transaction flipped the row (and recorded the event) */
    private boolean goOffline(Connection c, String terminalId, Instant now, Instant lastSeen, String cause, String source)
        throws SQLException {
        int n;
        try (PreparedStatement ps = c.prepareStatement("UPDATE presence SET online = FALSE, state_since = ?"
            + " WHERE terminal_id = ? AND online = TRUE")) {
            Sql.setInstant(ps, 1, now);
            ps.setString(2, terminalId);
            n = ps.executeUpdate();
        }
        if (n == 1) {
            event(c, terminalId, now, "OFFLINE", cause, lastSeen, missedWindows(lastSeen, now), source);
        }
        return n == 1;
    }

    private static void event(Connection c, String terminalId, Instant at, String event, String cause, Instant lastSeen,
                              int missed, String source) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO presence_event (terminal_id, at, event, cause,"
            + " last_seen, missed_windows, source) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, terminalId);
            Sql.setInstant(ps, 2, at);
            ps.setString(3, event);
            ps.setString(4, cause);
            Sql.setInstant(ps, 5, lastSeen);
            ps.setInt(6, missed);
            ps.setString(7, source);
            ps.executeUpdate();
        }
    }

    private Optional<Entry> lock(Connection c, String terminalId) throws SQLException {
        return read(c, terminalId, true);
    }

    private static Optional<Entry> read(Connection c, String terminalId, boolean forUpdate) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM presence WHERE terminal_id = ?"
            + (forUpdate ? " FOR UPDATE" : ""))) {
            ps.setString(1, terminalId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(entry(rs)) : Optional.empty();
            }
        }
    }

    private static Entry entry(ResultSet rs) throws SQLException {
        return new Entry(rs.getString("terminal_id"), rs.getBoolean("online"), Sql.requiredInstant(rs, "state_since"),
            Sql.requiredInstant(rs, "last_seen"), new Limits(rs.getInt("heartbeat_interval_s"),
            rs.getInt("send_interval_s"), rs.getInt("storage_records")), rs.getInt("config_version"),
            Sql.string(rs, "limit_name"), rs.getLong("dropped_records"), rs.getString("session"),
            rs.getInt("last_sequence"));
    }

    private static Optional<Integer> optionalInt(ResultSet rs, String column) throws SQLException {
        int v = rs.getInt(column);
        return rs.wasNull() ? Optional.empty() : Optional.of(v);
    }

    private static void setOptionalInt(PreparedStatement ps, int i, Optional<Integer> v) throws SQLException {
        if (v.isPresent()) {
            ps.setInt(i, v.get());
        } else {
            ps.setNull(i, java.sql.Types.INTEGER);
        }
    }
}
