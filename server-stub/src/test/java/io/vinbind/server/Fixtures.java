package io.vinbind.server;

import io.vinbind.protocol.Vin;
import io.vinbind.server.registry.Modem;
import io.vinbind.server.store.Database;
import io.vinbind.server.store.DbSettings;
import io.vinbind.server.store.StoreException;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/** Shared test data: identities, VINs with correct check digits, databases. */
public final class Fixtures {

    public static final String IMSI_A = "460011234567890";
    public static final String IMSI_B = "460011234567891";
    public static final String IMSI_C = "460011234567892";
    public static final String ICCID_A = "89860012345678901230";
    public static final String ICCID_B = "89860012345678901231";
    public static final String ICCID_C = "89860012345678901232";
    public static final String IMEI_A = "356938035643800";
    public static final String IMEI_B = "356938035643801";
    public static final String IMEI_C = "356938035643802";

    /** Strict-valid VINs (check digit computed). */
    public static final String VIN_1 = withCheckDigit("LSVAU2180N2183294");
    public static final String VIN_2 = withCheckDigit("LFV2A21K0A3123456");
    public static final String VIN_3 = withCheckDigit("1M8GDM9A0KP042788");

    private Fixtures() {
    }

    /** A distinct, strict-valid VIN per number (serial part of positions 12-17). */
    public static String vin(int serial) {
        return withCheckDigit(String.format("LSVAU2180N2%06d", serial));
    }

    /** The terminal the tests put a modem in: {@code T-<imsi>} (a terminal id, the topic level of protocol v2). */
    public static String terminalOf(String imsi) {
        return "T-" + imsi;
    }

    /**
     * TLS credentials of a terminal on the server's embedded broker: its certificate (issued now by the server's
     * terminal CA unless issued before) and the service CA the broker's certificate chains to.
     */
    public static io.vinbind.server.mqtt.MqttCredentials terminalCredentials(BindingServer server, String terminalId)
        throws io.vinbind.server.pki.PkiException {
        io.vinbind.server.pki.TestPki pki = server.pki().pki();
        io.vinbind.server.pki.TestPki.Issued issued = pki.issued(io.vinbind.server.pki.Identity.Kind.TERMINAL, terminalId)
            .orElse(null);
        if (issued == null) {
            issued = pki.issueTerminal(terminalId);
        }
        return io.vinbind.server.mqtt.MqttCredentials.tls(io.vinbind.server.pki.TlsMaterial.clientContext(
            pki.serviceCaFile(), issued.certificateFile(), issued.keyFile()));
    }

    /** A bearer token of this role for the server's HTTP API (created now). */
    public static String token(BindingServer server, io.vinbind.server.auth.Role role) throws StoreException {
        return server.tokens().create("test-" + role.label() + "-" + UUID.randomUUID().toString().substring(0, 8),
            role, "test").token();
    }

    /** A distinct IMSI per number; {@link #iccidOf} and {@link #imeiOf} derive its SIM and modem. */
    public static String imsi(int n) {
        return String.format("46001%010d", n);
    }

    public static String iccidOf(String imsi) {
        return "89860" + imsi;
    }

    public static String imeiOf(String imsi) {
        return "35" + imsi.substring(2);
    }

    /** The VIN with position 9 replaced by its correct check digit. */
    public static String withCheckDigit(String vin) {
        char d = Vin.computeCheckDigit(vin);
        return vin.substring(0, 8) + d + vin.substring(9);
    }

    /** A VIN whose check digit is wrong (valid syntax). */
    public static String withWrongCheckDigit(String vin) {
        char right = Vin.computeCheckDigit(vin);
        char wrong = right == '0' ? '1' : '0';
        return vin.substring(0, 8) + wrong + vin.substring(9);
    }

    public static Modem modem(String imsi, String iccid, String imei) {
        return new Modem(imsi, Optional.of(iccid), Optional.of(imei), Optional.of("B-2026-11"),
            Optional.of("TBOX-4G-01"), Instant.parse("2026-11-01T08:00:00Z"));
    }

    /** A fresh, migrated, private in-memory H2 database. */
    public static Database memoryDatabase() throws StoreException {
        return Database.open(DbSettings.h2Memory("t" + UUID.randomUUID().toString().replace("-", "")));
    }

    /** Row count of a table. */
    public static long count(Database db, String table) throws StoreException {
        return db.query("count " + table, c -> {
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    /** Rows of all tables the server writes, as one string, to assert "nothing stored was touched". */
    public static String snapshot(Database db) throws StoreException {
        StringBuilder sb = new StringBuilder();
        for (String t : new String[] {"modem", "binding", "history", "processed_request", "pending_rebind",
            "user_vehicle"}) {
            sb.append(t).append('=').append(count(db, t)).append(' ');
        }
        String logins = db.<String>query("modem logins", c -> {
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT imsi, last_login_at FROM modem ORDER BY imsi")) {
                StringBuilder m = new StringBuilder();
                while (rs.next()) {
                    m.append(rs.getString(1)).append('@').append(rs.getString(2)).append(';');
                }
                return m.toString();
            }
        });
        return sb.append(logins).toString();
    }
}
