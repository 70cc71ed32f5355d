package io.vinbind.server.provisioning;

import io.vinbind.server.binding.ReportedIdentities;
import io.vinbind.server.store.Database;
import io.vinbind.server.store.Sql;
import io.vinbind.server.store.StoreException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Reads {@link TerminalFacts} from the binding tables (terminal → its IMSI → modem registry and binding) and the
 * terminal's latest login report ({@link ReportedIdentities}, table {@code terminal_reported_identity}): the EID
 * comes only from there; ICCID and IMEI from there first, then from the modem's last login, then the registry.
 */
public final class FleetFacts {

    /** Most terminals one page (a dry run, a listing) reads. */
    public static final int MAX_PAGE = 10_000;

    private static final String SELECT = "SELECT t.terminal_id, t.imsi, m.iccid, m.last_login_iccid, m.imei,"
        + " m.last_login_imei, m.batch, b.vin, r.iccid AS reported_iccid, r.imei AS reported_imei, r.eid"
        + " FROM terminal t LEFT JOIN modem m ON m.imsi = t.imsi"
        + " LEFT JOIN binding b ON b.imsi = t.imsi"
        + " LEFT JOIN terminal_reported_identity r ON r.terminal_id = t.terminal_id";

    private final Database db;

    private final ReportedIdentities reported;

    public FleetFacts(Database db) {
        this.db = Objects.requireNonNull(db, "db");
        this.reported = new ReportedIdentities(db);
    }

    /** What the terminals reported of themselves at login: latest and history. */
    public ReportedIdentities reported() {
        return reported;
    }

    public Optional<TerminalFacts> of(String terminalId) throws StoreException {
        return db.query("facts of terminal " + terminalId, c -> {
            try (PreparedStatement ps = c.prepareStatement(SELECT + " WHERE t.terminal_id = ?")) {
                ps.setString(1, terminalId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(read(rs)) : Optional.empty();
                }
            }
        });
    }

    /** Terminals in id order, from {@code after} (exclusive; "" for the first page). */
    public List<TerminalFacts> page(String after, int limit) throws StoreException {
        int n = Math.max(1, Math.min(limit, MAX_PAGE));
        return db.query("terminal facts", c -> page(c, after, n));
    }

    private static List<TerminalFacts> page(Connection c, String after, int limit) throws SQLException {
        List<TerminalFacts> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(SELECT + " WHERE t.terminal_id > ? ORDER BY t.terminal_id"
            + " FETCH FIRST " + limit + " ROWS ONLY")) {
            ps.setString(1, after);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(read(rs));
                }
            }
        }
        return out;
    }

    private static TerminalFacts read(ResultSet rs) throws SQLException {
        Optional<String> registeredIccid = Sql.string(rs, "iccid");
        Optional<String> registeredImei = Sql.string(rs, "imei");
        Optional<String> lastLoginIccid = Sql.string(rs, "last_login_iccid");
        Optional<String> lastLoginImei = Sql.string(rs, "last_login_imei");
        Optional<String> iccid = Sql.string(rs, "reported_iccid").or(() -> lastLoginIccid).or(() -> registeredIccid);
        Optional<String> imei = Sql.string(rs, "reported_imei").or(() -> lastLoginImei).or(() -> registeredImei);
        return new TerminalFacts(rs.getString("terminal_id"), Sql.string(rs, "imsi"), iccid, imei,
            Sql.string(rs, "eid"), Sql.string(rs, "batch"), Sql.string(rs, "vin"));
    }
}
