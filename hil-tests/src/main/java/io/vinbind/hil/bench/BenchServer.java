package io.vinbind.hil.bench;

import io.vinbind.modem.sim.Identity;
import io.vinbind.server.BindingServer;
import io.vinbind.server.ServerConfig;
import io.vinbind.server.ServerStartException;
import io.vinbind.server.registry.ImportStatus;
import io.vinbind.server.registry.Modem;
import io.vinbind.server.store.DbSettings;
import io.vinbind.server.store.StoreException;
import java.net.URI;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.tinylog.Logger;

/**
 * The real binding server ({@link BindingServer}) as the bench runs it, on one {@link ServerBackend}. It can
 * be stopped and started again on the same data directory, ports and database (a server restart or crash
 * between two messages), and it registers modem identities the way the factory does.
 *
 * <p>One bench server can serve many scenarios one after another: scenarios use fresh VINs and IMSIs, so
 * they never see each other's bindings.
 */
public final class BenchServer implements AutoCloseable {

    /** MQTT client id of the server on a shared external broker: fixed, so runs reuse one session. */
    static final String EXTERNAL_INSTANCE_ID = "vinbind-hil-bench";

    private final ServerBackend backend;
    private final Path dataDir;
    private final Optional<String> pgSchema;
    private ServerConfig config;
    private BindingServer server;
    private ServerApi api;

    private BenchServer(ServerBackend backend, Path dataDir, ServerConfig config, Optional<String> pgSchema) {
        this.backend = backend;
        this.dataDir = dataDir;
        this.config = config;
        this.pgSchema = pgSchema;
    }

    /**
     * Starts a server on {@code backend} with its data (H2 file, broker work files, instance id) in
     * {@code dataDir}.
     *
     * @throws BenchException when the server does not start (the message names the part)
     */
    public static BenchServer start(ServerBackend backend, Path dataDir) {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(dataDir, "dataDir");
        ServerConfig config = ServerConfig.ephemeral(dataDir);
        Optional<String> schema = Optional.empty();
        if (backend == ServerBackend.MOSQUITTO_POSTGRES) {
            String s = "hil_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12).toLowerCase(Locale.ROOT);
            schema = Optional.of(s);
            DbSettings db = new DbSettings(ServerBackend.POSTGRES_URL, Optional.of(ServerBackend.POSTGRES_USER),
                    Optional.empty(), Optional.of(s), 4);
            config = config.withExternalBroker(ServerBackend.MOSQUITTO).withDatabase(db)
                    .withInstanceId(EXTERNAL_INSTANCE_ID);
        }
        BenchServer bench = new BenchServer(backend, dataDir, config, schema);
        bench.startServer();
        // a restart must come back where terminals and clients expect it
        bench.config = bench.config.withHttpPort(bench.server.httpBaseUri().getPort());
        if (bench.server.embeddedBroker()) {
            bench.config = bench.config.withMqttPort(bench.server.mqttUri().getPort());
        }
        return bench;
    }

    public ServerBackend backend() {
        return backend;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** The broker terminals connect to (through a {@link NetworkLink} on the bench). */
    public URI mqttUri() {
        return mqttUriOf(config);
    }

    /** The HTTP API's base URI; stays the same across restarts. */
    public URI httpBaseUri() {
        return URI.create("http://127.0.0.1:" + config.httpPort());
    }

    /** The HTTP API. */
    public ServerApi api() {
        return api;
    }

    public synchronized boolean isRunning() {
        return server != null;
    }

    /** The running server, for what the HTTP API does not offer. */
    public synchronized BindingServer server() {
        if (server == null) {
            throw new IllegalStateException("the bench server is stopped");
        }
        return server;
    }

    /** Registers a modem as the factory does (IMSI with its ICCID and IMEI). */
    public void registerAtFactory(Identity modem) {
        Modem m = new Modem(modem.imsi().value(), Optional.of(modem.iccid().value()),
                Optional.of(modem.imei().value()), Optional.of("hil-bench"), Optional.of("TBOX-HIL"), Instant.now());
        try {
            ImportStatus status = server().registry().register(m);
            Logger.info("factory registration of IMSI {}: {}", m.imsi(), status);
        } catch (StoreException e) {
            throw new BenchException("registering IMSI " + m.imsi() + " failed: " + e.getMessage(), e);
        }
    }

    /** Stops the server (HTTP, MQTT front end, embedded broker, database pool); the data stays. */
    public synchronized void stop() {
        if (server != null) {
            server.close();
            server = null;
            Logger.info("bench server stopped ({})", backend);
        }
    }

    /**
     * Kills the server as a crash would: the MQTT front end drops its connection without a clean
     * DISCONNECT (the broker keeps its session and redelivers unacknowledged requests to the next
     * instance), requests being decided roll back; an embedded broker goes down with it.
     */
    public synchronized void kill() {
        if (server != null) {
            server.kill();
            server = null;
            Logger.info("bench server killed ({})", backend);
        }
    }

    /** Starts a stopped or killed server again on the same data directory, ports and database. */
    public synchronized void start() {
        if (server == null) {
            startServer();
        }
    }

    /** Starts the server again on the same data directory, ports and database. */
    public synchronized void restart() {
        stop();
        startServer();
    }

    private synchronized void startServer() {
        try {
            server = BindingServer.start(config);
        } catch (ServerStartException e) {
            throw new BenchException("binding server on " + backend + " did not start: " + e.getMessage(), e);
        }
        api = new ServerApi(server.httpBaseUri());
        Logger.info("bench server up: {} mqtt {} http {}", backend, server.mqttUri(), server.httpBaseUri());
    }

    /** Stops the server and drops its PostgreSQL schema; the data directory belongs to the caller. */
    @Override
    public synchronized void close() {
        stop();
        if (pgSchema.isPresent()) {
            try (Connection c = DriverManager.getConnection(ServerBackend.POSTGRES_URL, ServerBackend.POSTGRES_USER, "");
                 Statement st = c.createStatement()) {
                st.execute("DROP SCHEMA IF EXISTS " + pgSchema.get() + " CASCADE");
                Logger.info("dropped PostgreSQL schema {}", pgSchema.get());
            } catch (SQLException e) {
                Logger.warn("could not drop PostgreSQL schema {}: {}", pgSchema.get(), e.getMessage());
            }
        }
    }

    private static URI mqttUriOf(ServerConfig c) {
        return c.externalBroker().orElse(URI.create("tcp://127.0.0.1:" + c.embeddedMqttPort()));
    }
}
