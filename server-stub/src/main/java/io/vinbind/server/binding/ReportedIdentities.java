package io.vinbind.server.binding;

import io.vinbind.protocol.LoginRequest;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What terminals reported of themselves at login (issue 14, "identity in"): the latest report per terminal
 * (table {@code terminal_reported_identity}) and the append-only history of its changes
 * ({@code terminal_identity_change}). {@link LoginService} records an accepted login's report in the login's
 * transaction ({@link BindingStore.Tx#recordReportedIdentity}); the reads here are for the HTTP API, the
 * provisioning facts and other services (e.g. {@link #eid} for the server-side LPA).
 *
 * <p>The protocol's optional fields ({@code eid} and the model information) may be left out of a login: left out
 * means "not reported", not "gone" (a card that did not answer GetEID in time says nothing about its EID), so the
 * value reported before is kept and no change is written.
 */
public final class ReportedIdentities {

    /** Most history rows one read returns. */
    public static final int MAX_HISTORY = 1000;
    /** Most other terminals named as reporting the same EID. */
    static final int MAX_EID_PEERS = 10;

    /** The fields in protocol order, with their columns. */
    private static final Map<String, String> COLUMNS = columns();

    private final Database db;

    public ReportedIdentities(Database db) {
        this.db = Objects.requireNonNull(db, "db");
    }

    /**
     * A terminal's latest report.
     *
     * @param eidAlsoReportedBy other terminals whose latest report names the same EID (a conflict: one eUICC
     *     cannot be in two terminals), at most {@value #MAX_EID_PEERS}; empty normally
     */
    public record Reported(String terminalId, String imsi, String iccid, String imei, Optional<String> eid,
                           Optional<String> terminalModel, Optional<String> softwareVersion,
                           Optional<String> modemModel, Optional<String> modemFirmware, Instant reportedAt,
                           String requestId, List<String> eidAlsoReportedBy) {
        public Reported {
            Objects.requireNonNull(terminalId, "terminalId");
            Objects.requireNonNull(imsi, "imsi");
            Objects.requireNonNull(iccid, "iccid");
            Objects.requireNonNull(imei, "imei");
            Objects.requireNonNull(eid, "eid");
            Objects.requireNonNull(terminalModel, "terminalModel");
            Objects.requireNonNull(softwareVersion, "softwareVersion");
            Objects.requireNonNull(modemModel, "modemModel");
            Objects.requireNonNull(modemFirmware, "modemFirmware");
            Objects.requireNonNull(reportedAt, "reportedAt");
            Objects.requireNonNull(requestId, "requestId");
            eidAlsoReportedBy = List.copyOf(eidAlsoReportedBy);
        }

        /** Whether another terminal reported the same EID. */
        public boolean eidConflict() {
            return !eidAlsoReportedBy.isEmpty();
        }
    }

    /** One changed field: {@code oldValue} empty for the field's first report. */
    public record Change(long id, String terminalId, String field, Optional<String> oldValue, String newValue,
                         Instant at, String requestId) {
        public Change {
            Objects.requireNonNull(terminalId, "terminalId");
            Objects.requireNonNull(field, "field");
            Objects.requireNonNull(oldValue, "oldValue");
            Objects.requireNonNull(newValue, "newValue");
            Objects.requireNonNull(at, "at");
            Objects.requireNonNull(requestId, "requestId");
        }
    }

    /** What recording one login's report did. */
    public record Recorded(List<Change> changes, List<String> eidAlsoReportedBy) {
        public Recorded {
            changes = List.copyOf(changes);
            eidAlsoReportedBy = List.copyOf(eidAlsoReportedBy);
        }
    }

    /** The EID the terminal's latest report named (its latest known one); empty when none was ever reported. */
    public Optional<String> eid(String terminalId) throws StoreException {
        Objects.requireNonNull(terminalId, "terminalId");
        return db.query("EID of terminal " + terminalId, c -> {
            try (PreparedStatement ps = c.prepareStatement(
                "SELECT eid FROM terminal_reported_identity WHERE terminal_id = ?")) {
                ps.setString(1, terminalId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Sql.string(rs, "eid") : Optional.<String>empty();
                }
            }
        });
    }

    /** The terminal's latest report; empty when it never logged in with this server version. */
    public Optional<Reported> latest(String terminalId) throws StoreException {
        Objects.requireNonNull(terminalId, "terminalId");
        return db.query("reported identity of terminal " + terminalId, c -> latest(c, terminalId, false));
    }

    /** The terminal's changes, oldest first, at most {@code limit} (capped at {@value #MAX_HISTORY}). */
    public List<Change> history(String terminalId, int limit) throws StoreException {
        Objects.requireNonNull(terminalId, "terminalId");
        int n = Math.max(1, Math.min(limit, MAX_HISTORY));
        return db.query("identity history of terminal " + terminalId, c -> {
            List<Change> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT * FROM terminal_identity_change"
                + " WHERE terminal_id = ? ORDER BY id FETCH FIRST " + n + " ROWS ONLY")) {
                ps.setString(1, terminalId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Change(rs.getLong("id"), rs.getString("terminal_id"), rs.getString("field"),
                            Sql.string(rs, "old_value"), rs.getString("new_value"), Sql.requiredInstant(rs, "at"),
                            rs.getString("request_id")));
                    }
                }
            }
            return out;
        });
    }

    /**
     * Records the report of an accepted login in the caller's transaction: the latest report replaced (fields the
     * login left out keep their value), one change row per field whose value differs. The terminal's row is
     * locked by the caller ({@link BindingStore.Tx#lockTerminal}), so concurrent logins of one terminal queue.
     */
    static Recorded record(Connection c, LoginRequest request, Instant at) throws SQLException {
        String terminal = request.terminalId();
        Optional<Reported> before = latest(c, terminal, true);
        Map<String, String> reported = values(request);
        List<Change> changes = new ArrayList<>();
        Map<String, String> now = new LinkedHashMap<>();
        for (Map.Entry<String, String> f : reported.entrySet()) {
            String old = before.map(b -> value(b, f.getKey())).orElse(null);
            String value = f.getValue() != null ? f.getValue() : old; // left out: kept
            now.put(f.getKey(), value);
            if (value != null && !value.equals(old)) {
                changes.add(new Change(0, terminal, f.getKey(), Optional.ofNullable(old), value, at,
                    request.requestId()));
            }
        }
        if (before.isPresent()) {
            StringBuilder sql = new StringBuilder("UPDATE terminal_reported_identity SET ");
            for (String column : COLUMNS.values()) {
                sql.append(column).append(" = ?, ");
            }
            sql.append("reported_at = ?, request_id = ? WHERE terminal_id = ?");
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                int i = bind(ps, now);
                Sql.setInstant(ps, i++, at);
                ps.setString(i++, request.requestId());
                ps.setString(i, terminal);
                ps.executeUpdate();
            }
        } else {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO terminal_reported_identity ("
                + String.join(", ", COLUMNS.values()) + ", reported_at, request_id, terminal_id)"
                + " VALUES (" + "?, ".repeat(COLUMNS.size()) + "?, ?, ?)")) {
                int i = bind(ps, now);
                Sql.setInstant(ps, i++, at);
                ps.setString(i++, request.requestId());
                ps.setString(i, terminal);
                ps.executeUpdate();
            }
        }
        List<Change> written = new ArrayList<>();
        for (Change ch : changes) {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO terminal_identity_change"
                + " (terminal_id, field, old_value, new_value, at, request_id) VALUES (?, ?, ?, ?, ?, ?)",
                Statement.RETURN_GENERATED_KEYS)) {
                ps.setString(1, terminal);
                ps.setString(2, ch.field());
                Sql.setOptional(ps, 3, ch.oldValue());
                ps.setString(4, ch.newValue());
                Sql.setInstant(ps, 5, at);
                ps.setString(6, ch.requestId());
                ps.executeUpdate();
                try (ResultSet keys = ps.getGeneratedKeys()) {
                    if (!keys.next()) {
                        throw new SQLException("no id generated for the identity change of " + terminal);
                    }
                    long id = keys.getLong(1);
                    written.add(new Change(id, ch.terminalId(), ch.field(), ch.oldValue(), ch.newValue(), at,
                        ch.requestId()));
                }
            }
        }
        String eid = request.eid();
        List<String> peers = eid != null ? eidPeers(c, terminal, eid) : List.of();
        return new Recorded(written, peers);
    }

    private static Optional<Reported> latest(Connection c, String terminalId, boolean lock) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT * FROM terminal_reported_identity WHERE terminal_id = ?"
            + (lock ? " FOR UPDATE" : ""))) {
            ps.setString(1, terminalId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                Optional<String> eid = Sql.string(rs, "eid");
                Reported r = new Reported(terminalId, rs.getString("imsi"), rs.getString("iccid"), rs.getString("imei"),
                    eid, Sql.string(rs, "terminal_model"), Sql.string(rs, "software_version"),
                    Sql.string(rs, "modem_model"), Sql.string(rs, "modem_firmware"),
                    Sql.requiredInstant(rs, "reported_at"), rs.getString("request_id"), List.of());
                if (lock || eid.isEmpty()) {
                    return Optional.of(r);
                }
                List<String> peers = eidPeers(c, terminalId, eid.get());
                return Optional.of(new Reported(r.terminalId(), r.imsi(), r.iccid(), r.imei(), r.eid(),
                    r.terminalModel(), r.softwareVersion(), r.modemModel(), r.modemFirmware(), r.reportedAt(),
                    r.requestId(), peers));
            }
        }
    }

    /** Other terminals whose latest report names {@code eid}, in id order. */
    private static List<String> eidPeers(Connection c, String terminalId, String eid) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT terminal_id FROM terminal_reported_identity"
            + " WHERE eid = ? AND terminal_id <> ? ORDER BY terminal_id FETCH FIRST " + MAX_EID_PEERS + " ROWS ONLY")) {
            ps.setString(1, eid);
            ps.setString(2, terminalId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    private static int bind(PreparedStatement ps, Map<String, String> values) throws SQLException {
        int i = 1;
        for (String field : COLUMNS.keySet()) {
            Sql.setOptional(ps, i++, Optional.ofNullable(values.get(field)));
        }
        return i;
    }

    private static Map<String, String> values(LoginRequest r) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("imsi", r.imsi());
        m.put("iccid", r.iccid());
        m.put("imei", r.imei());
        m.put("eid", r.eid());
        m.put("terminalModel", r.terminalModel());
        m.put("softwareVersion", r.softwareVersion());
        m.put("modemModel", r.modemModel());
        m.put("modemFirmware", r.modemFirmware());
        return m;
    }

    private static String value(Reported r, String field) {
        return switch (field) {
            case "imsi" -> r.imsi();
            case "iccid" -> r.iccid();
            case "imei" -> r.imei();
            case "eid" -> r.eid().orElse(null);
            case "terminalModel" -> r.terminalModel().orElse(null);
            case "softwareVersion" -> r.softwareVersion().orElse(null);
            case "modemModel" -> r.modemModel().orElse(null);
            case "modemFirmware" -> r.modemFirmware().orElse(null);
            default -> throw new IllegalArgumentException("no reported field " + field);
        };
    }

    private static Map<String, String> columns() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("imsi", "imsi");
        m.put("iccid", "iccid");
        m.put("imei", "imei");
        m.put("eid", "eid");
        m.put("terminalModel", "terminal_model");
        m.put("softwareVersion", "software_version");
        m.put("modemModel", "modem_model");
        m.put("modemFirmware", "modem_firmware");
        return java.util.Collections.unmodifiableMap(m);
    }
}
