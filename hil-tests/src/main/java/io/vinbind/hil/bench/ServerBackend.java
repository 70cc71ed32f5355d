package io.vinbind.hil.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * Which broker and database the binding server runs on during a bench run.
 *
 * <ul>
 *   <li>{@link #EMBEDDED}: the server's own defaults, no setup: the embedded MQTT 5 broker on a free
 *       127.0.0.1 port and an H2 file database under the bench's temporary directory;</li>
 *   <li>{@link #MOSQUITTO_POSTGRES}: a real deployment's parts: a Mosquitto of the bench server's own, configured
 *       by {@code ./vinbind server mosquitto-config} (TLS with client certificates, vinbind's ACL plugin) on a free
 *       127.0.0.1 port, and PostgreSQL on 127.0.0.1:5432 (database {@code test}, trust authentication), each
 *       bench server in a schema of its own that is dropped when it closes.</li>
 * </ul>
 */
public enum ServerBackend {
    EMBEDDED("embedded broker + H2"),
    MOSQUITTO_POSTGRES("Mosquitto (TLS, vinbind ACL plugin) + PostgreSQL 127.0.0.1:5432/test");
    /** The PostgreSQL database the CI machine provides. */
    public static final String POSTGRES_URL = "jdbc:postgresql://127.0.0.1:5432/test";
    /** PostgreSQL user for trust authentication. */
    public static final String POSTGRES_USER = "postgres";

    private final String description;

    ServerBackend(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }

    /**
     * Why this backend cannot run here, or null when it can. For test assumptions: a missing Mosquitto or
     * PostgreSQL makes the test report itself skipped with this reason.
     */
    public String unavailableReason() {
        if (this == EMBEDDED) {
            return null;
        }
        String mosquitto = io.vinbind.hil.perf.PrivateMosquitto.securedUnavailableReason();
        if (mosquitto != null) {
            return "skipped: " + mosquitto;
        }
        if (!listening(5432)) {
            return "skipped: no PostgreSQL listening on 127.0.0.1:5432";
        }
        return null;
    }

    @Override
    public String toString() {
        return description;
    }

    static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
