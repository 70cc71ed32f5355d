package io.vinbind.server.binding;

import io.vinbind.protocol.ReasonCode;
import io.vinbind.protocol.UploadReason;
import io.vinbind.server.history.History;
import io.vinbind.server.history.HistoryEntry;
import io.vinbind.server.registry.ModemRegistry;
import io.vinbind.server.registry.RegistryEntry;
import io.vinbind.server.store.Database;
import io.vinbind.server.store.Sql;
import io.vinbind.server.store.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** {@link BindingStore} on the shared JDBC database (H2 or PostgreSQL); row locks are {@code FOR UPDATE}. */
public final class JdbcBindingStore implements BindingStore {

    private final Database db;

    public JdbcBindingStore(Database db) {
        this.db = Objects.requireNonNull(db, "db");
    }

    @Override
    public <T> T inTransaction(String what, Work<T> work) throws StoreException {
        return db.transaction(what, c -> work.run(new JdbcTx(c, null)));
    }

    @Override
    public <T> T read(String what, Work<T> work) throws StoreException {
        return db.query(what, c -> work.run(new JdbcTx(c, null)));
    }

    @Override
    public <T> Optional<io.vinbind.server.store.SqlWork<T>> onConnection(Work<T> work) {
        return Optional.of(c -> work.run(new JdbcTx(c, null)));
    }

    @Override
    public Optional<BindingStore.Group> group() {
        return Optional.of(new JdbcGroup());
    }

    /**
     * The reads a group of logins and binds shares: the rows each request would lock first (its terminal, its IMSI's
     * registry row, its stored answer, the live bindings of its IMSI and VIN), locked and read by {@link #prefetch}
     * in four statements for the whole group instead of five per request, in the lock order of a single request
     * (terminals, then registry rows, then bindings) and in key order within each (two instances' groups lock
     * those rows in the same order). A request's own writes drop what they change from the cache, so it then reads
     * the row again (already locked); rows nobody prefetched are read as for a single request. Valid only on the
     * connection (the transaction) it was filled on: a round run again without a failed prefetch reads directly.
     */
    private static final class JdbcGroup implements BindingStore.Group {
        private Connection filledOn;
        private final java.util.Map<String, Optional<TerminalRecord>> terminals = new java.util.HashMap<>();
        private final java.util.Map<String, Optional<RegistryEntry>> modems = new java.util.HashMap<>();
        private final java.util.Map<String, Optional<StoredAnswer>> answers = new java.util.HashMap<>();
        private final java.util.Map<String, Optional<Binding>> ofImsi = new java.util.HashMap<>();
        private final java.util.Map<String, Optional<Binding>> ofVin = new java.util.HashMap<>();
        private final java.util.Set<String> wantTerminals = new java.util.TreeSet<>();
        private final java.util.Set<String> wantImsis = new java.util.TreeSet<>();
        private final java.util.Set<String> wantVins = new java.util.TreeSet<>();
        private final java.util.Set<String> wantRequests = new java.util.TreeSet<>();
        /** Answers written in this group (read from the database again, not assumed absent). */
        private final java.util.Set<String> written = new java.util.HashSet<>();
        /**
         * The round's history rows and stored answers, written by {@link #flush} as two JDBC batches at the group's
         * end instead of one statement (one round trip) each: nothing in a decision reads history, and an answer
         * deferred here is read from {@link #answers} by the group's later requests. Emptied by each round's
         * prefetch (a round run again starts over). In arrival order, so history keeps the order of the decisions.
         */
        private final List<io.vinbind.server.history.HistoryEntry> deferredHistory = new ArrayList<>();
        private final java.util.LinkedHashMap<String, DeferredAnswer> deferredAnswers = new java.util.LinkedHashMap<>();
        /**
         * New bindings of the round by IMSI (its key), written first at the group's end; the group's later requests
         * see them in {@link #ofImsi} and {@link #ofVin}, which the prefetch filled for every IMSI and VIN of the group.
         */
        private final java.util.LinkedHashMap<String, Binding> deferredBindings = new java.util.LinkedHashMap<>();

        private record DeferredAnswer(String terminalId, String imsi, String requestId, RequestKind kind,
                                      StoredAnswer answer, Instant at) {
        }

        @Override
        public void want(String terminalId, String imsi, Optional<String> vin, String requestId) {
            wantTerminals.add(terminalId);
            wantImsis.add(imsi);
            vin.ifPresent(wantVins::add);
            wantRequests.add(requestId);
        }

        @Override
        public io.vinbind.server.store.SqlWork<Void> prefetch() {
            return c -> {
                filledOn = null;
                written.clear();
                deferredHistory.clear();
                deferredAnswers.clear();
                deferredBindings.clear();
                terminals.clear();
                modems.clear();
                answers.clear();
                ofImsi.clear();
                ofVin.clear();
                if (wantTerminals.isEmpty()) {
                    return null;
                }
                wantTerminals.forEach(t -> terminals.put(t, Optional.empty()));
                try (PreparedStatement ps = c.prepareStatement("SELECT * FROM terminal WHERE terminal_id IN ("
                    + marks(wantTerminals.size()) + ") ORDER BY terminal_id FOR UPDATE")) {
                    bindAll(ps, 1, wantTerminals);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            terminals.put(rs.getString("terminal_id"), Optional.of(JdbcTx.terminal(rs)));
                        }
                    }
                }
                wantImsis.forEach(i -> modems.put(i, Optional.empty()));
                try (PreparedStatement ps = c.prepareStatement("SELECT * FROM modem WHERE imsi IN ("
                    + marks(wantImsis.size()) + ") ORDER BY imsi FOR UPDATE")) {
                    bindAll(ps, 1, wantImsis);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            modems.put(rs.getString("imsi"), Optional.of(ModemRegistry.read(rs)));
                        }
                    }
                }
                // by terminal too: the key of processed_request starts with terminal_id (V4)
                try (PreparedStatement ps = c.prepareStatement("SELECT terminal_id, imsi, request_id, kind, vin, outcome,"
                    + " reason FROM processed_request WHERE terminal_id IN (" + marks(wantTerminals.size())
                    + ") AND request_id IN (" + marks(wantRequests.size()) + ")")) {
                    bindAll(ps, bindAll(ps, 1, wantTerminals), wantRequests);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            answers.put(answerKey(rs.getString("terminal_id"), rs.getString("imsi"),
                                rs.getString("request_id"), RequestKind.valueOf(rs.getString("kind"))),
                                Optional.of(new StoredAnswer(Objects.requireNonNullElse(rs.getString("vin"), ""),
                                    rs.getString("outcome"), ReasonCode.valueOf(rs.getString("reason")))));
                        }
                    }
                }
                wantImsis.forEach(i -> ofImsi.put(i, Optional.empty()));
                wantVins.forEach(v -> ofVin.put(v, Optional.empty()));
                String vins = wantVins.isEmpty() ? "" : " OR vin IN (" + marks(wantVins.size()) + ")";
                try (PreparedStatement ps = c.prepareStatement("SELECT * FROM binding WHERE imsi IN ("
                    + marks(wantImsis.size()) + ")" + vins + " ORDER BY imsi FOR UPDATE")) {
                    bindAll(ps, bindAll(ps, 1, wantImsis), wantVins);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            Binding b = JdbcTx.binding(rs);
                            if (ofImsi.containsKey(b.imsi())) {
                                ofImsi.put(b.imsi(), Optional.of(b));
                            }
                            if (ofVin.containsKey(b.vin())) {
                                ofVin.put(b.vin(), Optional.of(b));
                            }
                        }
                    }
                }
                filledOn = c;
                return null;
            };
        }

        @Override
        public <T> io.vinbind.server.store.SqlWork<T> onConnection(Work<T> work) {
            return c -> work.run(new JdbcTx(c, this));
        }

        @Override
        public io.vinbind.server.store.SqlWork<Void> flush() {
            return c -> {
                if (!valid(c)) {
                    return null; // nothing was deferred: without a prefetch on this connection every write went at once
                }
                if (!deferredBindings.isEmpty()) {
                    try (PreparedStatement ps = c.prepareStatement(INSERT_BINDING)) {
                        for (Binding b : deferredBindings.values()) {
                            JdbcTx.bindBinding(ps, b);
                            ps.addBatch();
                        }
                        ps.executeBatch(); // raced by another instance (a unique key): the group fails
                    }
                }
                io.vinbind.server.history.History.appendAll(c, deferredHistory);
                if (!deferredAnswers.isEmpty()) {
                    try (PreparedStatement ps = c.prepareStatement(INSERT_ANSWER)) {
                        for (DeferredAnswer d : deferredAnswers.values()) {
                            JdbcTx.bindAnswer(ps, d.terminalId(), d.imsi(), d.requestId(), d.kind(), d.answer(), d.at());
                            ps.addBatch();
                        }
                        ps.executeBatch(); // a unique violation (another instance stored it first) fails the group
                    }
                }
                return null;
            };
        }

        /** The cache, when it was filled in this transaction. */
        private boolean valid(Connection c) {
            return filledOn == c;
        }

        private static String answerKey(String terminalId, String imsi, String requestId, RequestKind kind) {
            return terminalId + '\n' + imsi + '\n' + requestId + '\n' + kind;
        }

        private static String marks(int n) {
            return String.join(",", java.util.Collections.nCopies(n, "?"));
        }

        private static int bindAll(PreparedStatement ps, int from, java.util.Collection<String> values) throws SQLException {
            int i = from;
            for (String v : values) {
                ps.setString(i++, v);
            }
            return i;
        }
    }

    private static final String DELETE_BINDING = "DELETE FROM binding WHERE imsi = ? AND vin = ?";
    private static final String INSERT_BINDING = "INSERT INTO binding (imsi, vin, bound_at, request_id, terminal_id)"
        + " VALUES (?, ?, ?, ?, ?)";
    private static final String INSERT_ANSWER = "INSERT INTO processed_request (imsi, request_id, kind, vin, outcome,"
        + " reason, answered_at, terminal_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";

    private record JdbcTx(Connection c, JdbcGroup group) implements Tx {

        private boolean cached() {
            return group != null && group.valid(c);
        }


        @Override
        public Optional<TerminalRecord> lockTerminal(String terminalId) throws SQLException {
            if (cached() && group.terminals.containsKey(terminalId)) {
                return group.terminals.get(terminalId);
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT * FROM terminal WHERE terminal_id = ? FOR UPDATE")) {
                ps.setString(1, terminalId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(terminal(rs)) : Optional.empty();
                }
            }
        }

        @Override
        public void insertTerminal(String terminalId, Instant at) throws SQLException {
            if (group != null) {
                group.terminals.remove(terminalId);
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO terminal (terminal_id, first_seen) VALUES (?, ?)")) {
                ps.setString(1, terminalId);
                Sql.setInstant(ps, 2, at);
                ps.executeUpdate();
            }
        }

        @Override
        public Optional<String> terminalHolding(String imsi) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement("SELECT terminal_id FROM terminal WHERE imsi = ? FOR UPDATE")) {
                ps.setString(1, imsi);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
                }
            }
        }

        @Override
        public void recordTerminalLogin(String terminalId, String imsi, Instant at) throws SQLException {
            if (group != null) {
                group.terminals.remove(terminalId);
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE terminal SET imsi = ?, last_login_at = ?"
                + " WHERE terminal_id = ?")) {
                ps.setString(1, imsi);
                Sql.setInstant(ps, 2, at);
                ps.setString(3, terminalId);
                ps.executeUpdate();
            }
        }

        @Override
        public void releaseTerminalImsi(String terminalId) throws SQLException {
            if (group != null) {
                group.terminals.remove(terminalId);
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE terminal SET imsi = NULL WHERE terminal_id = ?")) {
                ps.setString(1, terminalId);
                ps.executeUpdate();
            }
        }

        @Override
        public void revokeTerminal(String terminalId, Instant at, String by, String reason) throws SQLException {
            if (group != null) {
                group.terminals.remove(terminalId);
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE terminal SET revoked_at = ?, revoked_by = ?,"
                + " revoke_reason = ? WHERE terminal_id = ?")) {
                Sql.setInstant(ps, 1, at);
                ps.setString(2, by);
                ps.setString(3, reason);
                ps.setString(4, terminalId);
                ps.executeUpdate();
            }
        }

        @Override
        public Optional<IdentityConflict> lockConflict(String terminalId, String imsi, IdentityConflict.Kind kind,
                                                       String reported) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement("SELECT * FROM identity_conflict WHERE terminal_id = ?"
                + " AND imsi = ? AND kind = ? AND reported = ? ORDER BY id DESC LIMIT 1 FOR UPDATE")) {
                ps.setString(1, terminalId);
                ps.setString(2, imsi);
                ps.setString(3, kind.name());
                ps.setString(4, reported);
                return conflicts(ps).stream().findFirst();
            }
        }

        @Override
        public Optional<IdentityConflict> lockConflict(long id) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement("SELECT * FROM identity_conflict WHERE id = ? FOR UPDATE")) {
                ps.setLong(1, id);
                return conflicts(ps).stream().findFirst();
            }
        }

        @Override
        public long insertConflict(String terminalId, String imsi, IdentityConflict.Kind kind, String expected,
                                   String reported, String requestId, IdentityConflict.State state, Instant at)
            throws SQLException {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO identity_conflict (terminal_id, imsi, kind,"
                + " expected, reported, request_id, raised_at, last_seen_at, attempts, state)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?)", Statement.RETURN_GENERATED_KEYS)) {
                ps.setString(1, terminalId);
                ps.setString(2, imsi);
                ps.setString(3, kind.name());
                ps.setString(4, expected);
                ps.setString(5, reported);
                ps.setString(6, requestId);
                Sql.setInstant(ps, 7, at);
                Sql.setInstant(ps, 8, at);
                ps.setString(9, state.name());
                ps.executeUpdate();
                try (ResultSet keys = ps.getGeneratedKeys()) {
                    if (!keys.next()) {
                        throw new SQLException("no id generated for the identity conflict of " + terminalId);
                    }
                    return keys.getLong(1);
                }
            }
        }

        @Override
        public void touchConflict(long id, Instant at) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement("UPDATE identity_conflict SET attempts = attempts + 1,"
                + " last_seen_at = ? WHERE id = ?")) {
                Sql.setInstant(ps, 1, at);
                ps.setLong(2, id);
                ps.executeUpdate();
            }
        }

        @Override
        public void decideConflict(long id, IdentityConflict.State state, Instant at, String by) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement("UPDATE identity_conflict SET state = ?, decided_at = ?,"
                + " decided_by = ? WHERE id = ?")) {
                ps.setString(1, state.name());
                Sql.setInstant(ps, 2, at);
                ps.setString(3, by);
                ps.setLong(4, id);
                ps.executeUpdate();
            }
        }

        @Override
        public List<IdentityConflict> conflicts(java.util.Set<IdentityConflict.State> states, int limit)
            throws SQLException {
            String in = String.join(",", java.util.Collections.nCopies(Math.max(1, states.size()), "?"));
            try (PreparedStatement ps = c.prepareStatement("SELECT * FROM identity_conflict WHERE state IN (" + in
                + ") ORDER BY id LIMIT " + Math.max(1, Math.min(limit, 1000)))) {
                int i = 1;
                for (IdentityConflict.State st : states) {
                    ps.setString(i++, st.name());
                }
                if (states.isEmpty()) {
                    ps.setString(1, "");
                }
                return conflicts(ps);
            }
        }

        private static TerminalRecord terminal(ResultSet rs) throws SQLException {
            return new TerminalRecord(rs.getString("terminal_id"), Sql.requiredInstant(rs, "first_seen"),
                Sql.instant(rs, "last_login_at"), Sql.string(rs, "imsi"), Sql.instant(rs, "revoked_at"),
                Sql.string(rs, "revoked_by"), Sql.string(rs, "revoke_reason"));
        }

        private static List<IdentityConflict> conflicts(PreparedStatement ps) throws SQLException {
            List<IdentityConflict> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new IdentityConflict(rs.getLong("id"), rs.getString("terminal_id"), rs.getString("imsi"),
                        IdentityConflict.Kind.valueOf(rs.getString("kind")), Sql.string(rs, "expected"),
                        Sql.string(rs, "reported"), Sql.string(rs, "request_id"), Sql.requiredInstant(rs, "raised_at"),
                        Sql.requiredInstant(rs, "last_seen_at"), rs.getInt("attempts"),
                        IdentityConflict.State.valueOf(rs.getString("state")), Sql.instant(rs, "decided_at"),
                        Sql.string(rs, "decided_by")));
                }
            }
            return out;
        }

        @Override
        public Optional<RegistryEntry> lockModem(String imsi) throws SQLException {
            if (cached() && group.modems.containsKey(imsi)) {
                return group.modems.get(imsi);
            }
            return ModemRegistry.lock(c, imsi);
        }

        @Override
        public void recordLogin(String imsi, String iccid, String imei, Instant at) throws SQLException {
            if (group != null) {
                group.modems.remove(imsi);
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE modem SET last_login_at = ?, last_login_iccid = ?,"
                + " last_login_imei = ? WHERE imsi = ?")) {
                Sql.setInstant(ps, 1, at);
                ps.setString(2, iccid);
                ps.setString(3, imei);
                ps.setString(4, imsi);
                ps.executeUpdate();
            }
        }

        @Override
        public ReportedIdentities.Recorded recordReportedIdentity(io.vinbind.protocol.LoginRequest request,
                                                                  Instant at) throws SQLException {
            return ReportedIdentities.record(c, request, at);
        }

        @Override
        public Optional<StoredAnswer> answer(String terminalId, String imsi, String requestId, RequestKind kind)
            throws SQLException {
            if (cached() && group.wantRequests.contains(requestId) && group.wantTerminals.contains(terminalId)) {
                String key = JdbcGroup.answerKey(terminalId, imsi, requestId, kind);
                if (group.answers.containsKey(key)) {
                    return group.answers.get(key);
                }
                if (!group.written.contains(key)) {
                    return Optional.empty(); // the prefetch read every answer of this terminal and requestId
                }
            }
            if (cached()) {
                JdbcGroup.DeferredAnswer d = group.deferredAnswers.get(JdbcGroup.answerKey(terminalId, imsi, requestId, kind));
                if (d != null) {
                    return Optional.of(d.answer()); // stored by this group, written at its end
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT vin, outcome, reason FROM processed_request"
                + " WHERE terminal_id = ? AND imsi = ? AND request_id = ? AND kind = ?")) {
                ps.setString(1, terminalId);
                ps.setString(2, imsi);
                ps.setString(3, requestId);
                ps.setString(4, kind.name());
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    return Optional.of(new StoredAnswer(Objects.requireNonNullElse(rs.getString("vin"), ""),
                        rs.getString("outcome"), ReasonCode.valueOf(rs.getString("reason"))));
                }
            }
        }

        @Override
        public void saveAnswer(String terminalId, String imsi, String requestId, RequestKind kind,
                               StoredAnswer answer, Instant at) throws SQLException {
            String key = JdbcGroup.answerKey(terminalId, imsi, requestId, kind);
            if (cached()) {
                group.answers.put(key, Optional.of(answer));
                group.deferredAnswers.put(key, new JdbcGroup.DeferredAnswer(terminalId, imsi, requestId, kind, answer, at));
                return;
            }
            if (group != null) {
                group.answers.remove(key);
                group.written.add(key);
            }
            try (PreparedStatement ps = c.prepareStatement(INSERT_ANSWER)) {
                bindAnswer(ps, terminalId, imsi, requestId, kind, answer, at);
                ps.executeUpdate();
            }
        }

        static void bindAnswer(PreparedStatement ps, String terminalId, String imsi, String requestId, RequestKind kind,
                               StoredAnswer answer, Instant at) throws SQLException {
            ps.setString(1, imsi);
            ps.setString(2, requestId);
            ps.setString(3, kind.name());
            ps.setString(4, answer.vin());
            ps.setString(5, answer.outcome());
            ps.setString(6, answer.reason().name());
            Sql.setInstant(ps, 7, at);
            ps.setString(8, terminalId);
        }

        @Override
        public void replaceAnswer(String terminalId, String imsi, String requestId, RequestKind kind,
                                  StoredAnswer answer, Instant at) throws SQLException {
            if (cached()) {
                String key = JdbcGroup.answerKey(terminalId, imsi, requestId, kind);
                JdbcGroup.DeferredAnswer d = group.deferredAnswers.get(key);
                if (d != null) { // not in the database yet: replace what the group's end will write
                    StoredAnswer replaced = new StoredAnswer(d.answer().vin(), answer.outcome(), answer.reason());
                    group.deferredAnswers.put(key, new JdbcGroup.DeferredAnswer(terminalId, imsi, requestId, kind,
                        replaced, at));
                    group.answers.put(key, Optional.of(replaced));
                    return;
                }
            }
            if (group != null) {
                String key = JdbcGroup.answerKey(terminalId, imsi, requestId, kind);
                group.answers.remove(key);
                group.written.add(key);
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE processed_request SET outcome = ?, reason = ?,"
                + " answered_at = ? WHERE terminal_id = ? AND imsi = ? AND request_id = ? AND kind = ?")) {
                ps.setString(1, answer.outcome());
                ps.setString(2, answer.reason().name());
                Sql.setInstant(ps, 3, at);
                ps.setString(4, terminalId);
                ps.setString(5, imsi);
                ps.setString(6, requestId);
                ps.setString(7, kind.name());
                ps.executeUpdate();
            }
        }

        @Override
        public Optional<Binding> bindingOfImsi(String imsi) throws SQLException {
            if (cached() && group.ofImsi.containsKey(imsi)) {
                return group.ofImsi.get(imsi);
            }
            return oneBinding("SELECT * FROM binding WHERE imsi = ? FOR UPDATE", imsi);
        }

        @Override
        public Optional<Binding> bindingOfVin(String vin) throws SQLException {
            if (cached() && group.ofVin.containsKey(vin)) {
                return group.ofVin.get(vin);
            }
            return oneBinding("SELECT * FROM binding WHERE vin = ? FOR UPDATE", vin);
        }

        @Override
        public Optional<Binding> peekBindingOfVin(String vin) throws SQLException {
            return oneBinding("SELECT * FROM binding WHERE vin = ?", vin);
        }

        @Override
        public Optional<Binding> peekBindingOfImsi(String imsi) throws SQLException {
            return oneBinding("SELECT * FROM binding WHERE imsi = ?", imsi);
        }

        @Override
        public void deleteBinding(Binding binding) throws SQLException {
            if (cached()) {
                Binding deferred = group.deferredBindings.get(binding.imsi());
                if (deferred != null && deferred.vin().equals(binding.vin())) {
                    // made by this group and undone by it (a terminal that uploaded twice in one group): written and
                    // deleted now all the same. Its keys had no row to lock at the prefetch, so only the unique
                    // index orders this group against another instance's on the same IMSI or VIN; never written, the
                    // history would hold this group's bind behind the other's although it came first (ScaleOutIT)
                    group.deferredBindings.remove(binding.imsi());
                    try (PreparedStatement ps = c.prepareStatement(INSERT_BINDING)) {
                        bindBinding(ps, binding);
                        ps.executeUpdate();
                    }
                    try (PreparedStatement ps = c.prepareStatement(DELETE_BINDING)) {
                        ps.setString(1, binding.imsi());
                        ps.setString(2, binding.vin());
                        ps.executeUpdate();
                    }
                    group.ofImsi.put(binding.imsi(), Optional.empty());
                    group.ofVin.put(binding.vin(), Optional.empty());
                    return;
                }
            }
            if (group != null) {
                group.ofImsi.remove(binding.imsi());
                group.ofVin.remove(binding.vin());
            }
            try (PreparedStatement ps = c.prepareStatement(DELETE_BINDING)) {
                ps.setString(1, binding.imsi());
                ps.setString(2, binding.vin());
                if (ps.executeUpdate() != 1) {
                    throw new SQLException("binding " + binding.imsi() + " <-> " + binding.vin()
                        + " vanished while locked", "40001");
                }
            }
        }

        @Override
        public void insertBinding(Binding binding) throws SQLException {
            if (cached() && group.ofImsi.containsKey(binding.imsi()) && group.ofVin.containsKey(binding.vin())) {
                // both keys were read for the group: their state is known without the database
                if (group.ofImsi.get(binding.imsi()).isPresent() || group.ofVin.get(binding.vin()).isPresent()) {
                    throw new SQLException("binding " + binding.imsi() + " <-> " + binding.vin()
                        + ": the IMSI or the VIN is bound already in this group", "23505");
                }
                group.deferredBindings.put(binding.imsi(), binding);
                group.ofImsi.put(binding.imsi(), Optional.of(binding));
                group.ofVin.put(binding.vin(), Optional.of(binding));
                return;
            }
            if (group != null) {
                group.ofImsi.remove(binding.imsi());
                group.ofVin.remove(binding.vin());
            }
            try (PreparedStatement ps = c.prepareStatement(INSERT_BINDING)) {
                bindBinding(ps, binding);
                ps.executeUpdate();
            }
        }

        static void bindBinding(PreparedStatement ps, Binding binding) throws SQLException {
            ps.setString(1, binding.imsi());
            ps.setString(2, binding.vin());
            Sql.setInstant(ps, 3, binding.boundAt());
            Sql.setOptional(ps, 4, binding.requestId());
            Sql.setOptional(ps, 5, binding.terminalId());
        }

        @Override
        public void appendHistory(HistoryEntry entry) throws SQLException {
            if (cached()) {
                group.deferredHistory.add(entry); // written with the group's others at its end
                return;
            }
            History.append(c, entry);
        }

        @Override
        public long insertPending(String terminalId, String imsi, String vin, String requestId, UploadReason reason,
                                  Instant at) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO pending_rebind (imsi, vin, request_id,"
                + " upload_reason, requested_at, state, terminal_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
                Statement.RETURN_GENERATED_KEYS)) {
                ps.setString(1, imsi);
                ps.setString(2, vin);
                ps.setString(3, requestId);
                ps.setString(4, reason.name());
                Sql.setInstant(ps, 5, at);
                ps.setString(6, PendingRebind.State.PENDING.name());
                ps.setString(7, terminalId);
                ps.executeUpdate();
                try (ResultSet keys = ps.getGeneratedKeys()) {
                    if (!keys.next()) {
                        throw new SQLException("no id generated for the held rebind of " + imsi);
                    }
                    return keys.getLong(1);
                }
            }
        }

        @Override
        public Optional<PendingRebind> lockPending(long id) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement("SELECT * FROM pending_rebind WHERE id = ? FOR UPDATE")) {
                ps.setLong(1, id);
                List<PendingRebind> found = pendings(ps);
                return found.stream().findFirst();
            }
        }

        @Override
        public Optional<PendingRebind> peekPending(long id) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement("SELECT * FROM pending_rebind WHERE id = ?")) {
                ps.setLong(1, id);
                return pendings(ps).stream().findFirst();
            }
        }

        @Override
        public List<PendingRebind> openPendingOf(String imsi) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement("SELECT * FROM pending_rebind WHERE imsi = ? AND state = ?"
                + " ORDER BY id")) {
                ps.setString(1, imsi);
                ps.setString(2, PendingRebind.State.PENDING.name());
                return pendings(ps);
            }
        }

        @Override
        public List<PendingRebind> openPending(int limit) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement("SELECT * FROM pending_rebind WHERE state = ? ORDER BY id"
                + " LIMIT " + Math.max(1, Math.min(limit, 1000)))) {
                ps.setString(1, PendingRebind.State.PENDING.name());
                return pendings(ps);
            }
        }

        @Override
        public int purgeAnswers(Instant before) throws SQLException {
            // a PENDING answer is kept while its hold is undecided; a hold superseded by a newer upload is never
            // decided, so its answer is kept only as long as any other
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM processed_request WHERE answered_at < ?"
                + " AND NOT EXISTS (SELECT 1 FROM pending_rebind p WHERE p.imsi = processed_request.imsi"
                + " AND p.request_id = processed_request.request_id AND p.state = ?)")) {
                Sql.setInstant(ps, 1, before);
                ps.setString(2, PendingRebind.State.PENDING.name());
                return ps.executeUpdate();
            }
        }

        @Override
        public void decidePending(long id, PendingRebind.State state, Instant at, String by) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement("UPDATE pending_rebind SET state = ?, decided_at = ?,"
                + " decided_by = ? WHERE id = ?")) {
                ps.setString(1, state.name());
                Sql.setInstant(ps, 2, at);
                ps.setString(3, by);
                ps.setLong(4, id);
                ps.executeUpdate();
            }
        }

        @Override
        public void insertProfileSwitch(String terminalId, String imsi, String iccid, Instant at, String by)
            throws SQLException {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO profile_switch (terminal_id, imsi, iccid,"
                + " ordered_at, ordered_by) VALUES (?, ?, ?, ?, ?)")) {
                ps.setString(1, terminalId);
                ps.setString(2, imsi);
                ps.setString(3, iccid);
                Sql.setInstant(ps, 4, at);
                ps.setString(5, by);
                ps.executeUpdate();
            }
        }

        @Override
        public Optional<Instant> openProfileSwitch(String terminalId, String imsi) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement("SELECT ordered_at FROM profile_switch WHERE terminal_id = ?"
                + " AND imsi = ? AND completed_at IS NULL ORDER BY ordered_at DESC")) {
                ps.setString(1, terminalId);
                ps.setString(2, imsi);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(Sql.requiredInstant(rs, "ordered_at")) : Optional.empty();
                }
            }
        }

        @Override
        public boolean withdrawProfileSwitch(String terminalId, String imsi, Instant at) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement("UPDATE profile_switch SET completed_at = ?, withdrawn_at = ?"
                + " WHERE terminal_id = ? AND imsi = ? AND completed_at IS NULL")) {
                Sql.setInstant(ps, 1, at);
                Sql.setInstant(ps, 2, at);
                ps.setString(3, terminalId);
                ps.setString(4, imsi);
                return ps.executeUpdate() > 0;
            }
        }

        @Override
        public void completeProfileSwitch(String terminalId, String imsi, Instant at) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement("UPDATE profile_switch SET completed_at = ? WHERE"
                + " terminal_id = ? AND imsi = ? AND completed_at IS NULL")) {
                Sql.setInstant(ps, 1, at);
                ps.setString(2, terminalId);
                ps.setString(3, imsi);
                ps.executeUpdate();
            }
        }

        @Override
        public void linkUser(String userId, String vin, Instant at) throws SQLException {
            try (PreparedStatement check = c.prepareStatement("SELECT 1 FROM user_vehicle WHERE user_id = ? AND vin = ?")) {
                check.setString(1, userId);
                check.setString(2, vin);
                try (ResultSet rs = check.executeQuery()) {
                    if (rs.next()) {
                        return;
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO user_vehicle (user_id, vin, linked_at)"
                + " VALUES (?, ?, ?)")) {
                ps.setString(1, userId);
                ps.setString(2, vin);
                Sql.setInstant(ps, 3, at);
                ps.executeUpdate();
            }
        }

        @Override
        public boolean unlinkUser(String userId, String vin) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM user_vehicle WHERE user_id = ? AND vin = ?")) {
                ps.setString(1, userId);
                ps.setString(2, vin);
                return ps.executeUpdate() > 0;
            }
        }

        @Override
        public List<String> vinsOfUser(String userId) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement("SELECT vin FROM user_vehicle WHERE user_id = ? ORDER BY vin")) {
                ps.setString(1, userId);
                List<String> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(rs.getString(1));
                    }
                }
                return out;
            }
        }

        private Optional<Binding> oneBinding(String sql, String key) throws SQLException {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(binding(rs)) : Optional.empty();
                }
            }
        }

        private static Binding binding(ResultSet rs) throws SQLException {
            return new Binding(rs.getString("imsi"), rs.getString("vin"), Sql.requiredInstant(rs, "bound_at"),
                Sql.string(rs, "request_id"), Sql.string(rs, "terminal_id"));
        }

        private static List<PendingRebind> pendings(PreparedStatement ps) throws SQLException {
            List<PendingRebind> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new PendingRebind(rs.getLong("id"), rs.getString("imsi"), rs.getString("vin"),
                        rs.getString("request_id"), UploadReason.valueOf(rs.getString("upload_reason")),
                        Sql.requiredInstant(rs, "requested_at"), PendingRebind.State.valueOf(rs.getString("state")),
                        Sql.instant(rs, "decided_at"), Sql.string(rs, "decided_by"), Sql.string(rs, "terminal_id")));
                }
            }
            return out;
        }
    }
}
