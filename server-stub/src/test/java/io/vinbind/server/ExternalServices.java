package io.vinbind.server;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vinbind.server.store.DbSettings;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;

/**
 * Mosquitto and PostgreSQL for integration tests: where to find them (127.0.0.1:1883 and :5432 by default,
 * overridable with VINBIND_MQTT_URL, VINBIND_PG_URL, VINBIND_PG_USER), an assumption that skips a test with
 * the reason when they are absent, and a unique PostgreSQL schema per test so runs never collide.
 */
public final class ExternalServices {

    public static final URI MQTT = URI.create(env("VINBIND_MQTT_URL", "tcp://127.0.0.1:1883"));
    public static final String PG_URL = env("VINBIND_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test");
    public static final String PG_USER = env("VINBIND_PG_USER", "postgres");

    private ExternalServices() {
    }

    /** Skips the calling test, with the reason, unless Mosquitto answers. */
    public static void assumeMosquitto() {
        Optional<String> problem = mosquittoProblem();
        assumeTrue(problem.isEmpty(), () -> "skipped: " + problem.orElse(""));
    }

    /** Skips the calling test, with the reason, unless PostgreSQL accepts a login. */
    public static void assumePostgres() {
        Optional<String> problem = postgresProblem();
        assumeTrue(problem.isEmpty(), () -> "skipped: " + problem.orElse(""));
    }

    /** Why Mosquitto cannot be used, or empty when it answers. */
    public static Optional<String> mosquittoProblem() {
        return tcpProblem(MQTT.getHost(), MQTT.getPort()).map(p -> "no MQTT broker at " + MQTT + " (" + p + ")");
    }

    /** Why PostgreSQL cannot be used, or empty when it accepts a login. */
    public static Optional<String> postgresProblem() {
        try (Connection c = connect()) {
            return Optional.empty();
        } catch (SQLException e) {
            return Optional.of("no PostgreSQL at " + PG_URL + " as " + PG_USER + " (" + e.getMessage() + ")");
        }
    }

    /** Settings for a fresh schema {@code vb_<random>} (created by the migration); drop it with {@link #dropSchema}. */
    public static DbSettings freshSchema() {
        String schema = "vb_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        return new DbSettings(PG_URL, Optional.of(PG_USER), Optional.empty(), Optional.of(schema), 8);
    }

    public static void dropSchema(DbSettings settings) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS " + settings.schema().orElseThrow() + " CASCADE");
        }
    }

    private static Connection connect() throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", PG_USER);
        p.setProperty("connectTimeout", "3");
        p.setProperty("loginTimeout", "3");
        return DriverManager.getConnection(PG_URL, p);
    }

    private static Optional<String> tcpProblem(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 1000);
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of(e.getMessage());
        }
    }

    private static String env(String name, String dflt) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? dflt : v;
    }
}
