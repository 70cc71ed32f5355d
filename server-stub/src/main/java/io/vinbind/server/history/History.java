package io.vinbind.server.history;

import io.vinbind.server.store.Database;
import io.vinbind.server.store.Sql;
import io.vinbind.server.store.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/** Appends to and reads the history table. There is deliberately no update or delete. */
public final class History {

    /** Most rows one query returns. */
    public static final int MAX_LIMIT = 1000;

    private final Database db;

    public History(Database db) {
        this.db = db;
    }

    /** Appends {@code entry} inside the caller's transaction, so it commits or rolls back with the change. */
    public static void append(Connection c, HistoryEntry entry) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(INSERT)) {
            bind(ps, entry);
            ps.executeUpdate();
        }
    }

    /** Appends {@code entries} in order as one JDBC batch (one round trip); nothing when empty. */
    public static void appendAll(Connection c, List<HistoryEntry> entries) throws SQLException {
        if (entries.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(INSERT)) {
            for (HistoryEntry e : entries) {
                bind(ps, e);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private static final String INSERT = "INSERT INTO history (at, event, imsi, vin, previous_imsi, previous_vin,"
        + " reason, source, request_id, detail, terminal_id, previous_terminal_id)"
        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

    private static void bind(PreparedStatement ps, HistoryEntry entry) throws SQLException {
        Sql.setInstant(ps, 1, entry.at());
        ps.setString(2, entry.event().name());
        Sql.setOptional(ps, 3, entry.imsi());
        Sql.setOptional(ps, 4, entry.vin());
        Sql.setOptional(ps, 5, entry.previousImsi());
        Sql.setOptional(ps, 6, entry.previousVin());
        Sql.setOptional(ps, 7, entry.reason().map(r -> truncate(r, 64)));
        ps.setString(8, truncate(entry.source(), 128));
        Sql.setOptional(ps, 9, entry.requestId());
        Sql.setOptional(ps, 10, entry.detail().map(d -> truncate(d, 512)));
        Sql.setOptional(ps, 11, entry.terminalId());
        Sql.setOptional(ps, 12, entry.previousTerminalId());
    }

    /** Rows where the VIN is the current or the previous VIN, oldest first. */
    public List<HistoryEntry> forVin(String vin, int limit) throws StoreException {
        return select("history of VIN " + vin, "vin = ? OR previous_vin = ?", vin, limit);
    }

    /** Rows where the IMSI is the current or the previous IMSI, oldest first. */
    public List<HistoryEntry> forImsi(String imsi, int limit) throws StoreException {
        return select("history of IMSI " + imsi, "imsi = ? OR previous_imsi = ?", imsi, limit);
    }

    /** Rows about a terminal, as the one that spoke or as the one before, oldest first. */
    public List<HistoryEntry> forTerminal(String terminalId, int limit) throws StoreException {
        return select("history of terminal " + terminalId, "terminal_id = ? OR previous_terminal_id = ?", terminalId,
            limit);
    }

    /** Every row, oldest first (bounded by {@code limit}). */
    public List<HistoryEntry> all(int limit) throws StoreException {
        return select("history", null, null, limit);
    }

    private List<HistoryEntry> select(String what, String where, String key, int limit) throws StoreException {
        int bounded = Math.max(1, Math.min(limit, MAX_LIMIT));
        String sql = "SELECT * FROM history" + (where != null ? " WHERE " + where : "") + " ORDER BY id LIMIT "
            + bounded;
        return db.query(what, c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                if (key != null) {
                    ps.setString(1, key);
                    ps.setString(2, key);
                }
                List<HistoryEntry> out = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(read(rs));
                    }
                }
                return out;
            }
        });
    }

    private static HistoryEntry read(ResultSet rs) throws SQLException {
        return new HistoryEntry(rs.getLong("id"), Sql.requiredInstant(rs, "at"),
            HistoryEvent.valueOf(rs.getString("event")), Sql.string(rs, "imsi"), Sql.string(rs, "vin"),
            Sql.string(rs, "previous_imsi"), Sql.string(rs, "previous_vin"), Sql.string(rs, "reason"),
            rs.getString("source"), Sql.string(rs, "request_id"), Sql.string(rs, "detail"),
            Sql.string(rs, "terminal_id"), Sql.string(rs, "previous_terminal_id"));
    }

    private static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }
}
