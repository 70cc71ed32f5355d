package io.vinbind.hil.bench;

import io.vinbind.modem.sim.Identity;
import io.vinbind.server.BindingServer;
import io.vinbind.server.ServerConfig;
import io.vinbind.server.ServerStartException;
import io.vinbind.server.registry.ImportStatus;
import io.vinbind.server.pki.PkiException;
import io.vinbind.server.pki.TestPki;
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
import java.util.List;
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

    /** MQTT instance id of the server on the bench's Mosquitto: fixed, so restarts reuse one session. */
    static final String EXTERNAL_INSTANCE_ID = "vinbind-hil-bench";

    private final ServerBackend backend;
    private final Path dataDir;
    private final Optional<String> pgSchema;
    /** The Mosquitto of {@link ServerBackend#MOSQUITTO_POSTGRES}: the bench's own, outlives server restarts. */
    private io.vinbind.hil.perf.PrivateMosquitto mosquitto;
    private ServerConfig config;
    /** The operator platforms (SM-DP+ ES2+ endpoints) the server's provisioning engine orders from; none by default. */
    private List<io.vinbind.server.provisioning.OperatorPlatform.Spec> platforms = List.of();
    /** The presence settings the server starts with (every start, restarts too). */
    private io.vinbind.server.presence.PresenceSettings presence = io.vinbind.server.presence.PresenceSettings.DEFAULT;
    private BindingServer server;
    private ServerApi api;
    private String adminToken;

    /**
     * What a terminal needs to reach this server's broker: with TLS its certificate, key and the CA the broker's
     * certificate chains to ({@code mqtt.ca-file}, {@code mqtt.cert-file}, {@code mqtt.key-file}); without TLS (a
     * plaintext loopback broker) none of them, and the terminal names itself with {@code terminal.id}.
     */
    public record TerminalCredentials(String terminalId, Optional<Path> caFile, Optional<Path> certFile,
            Optional<Path> keyFile) {
        public TerminalCredentials {
            Objects.requireNonNull(terminalId, "terminalId");
            Objects.requireNonNull(caFile, "caFile");
            Objects.requireNonNull(certFile, "certFile");
            Objects.requireNonNull(keyFile, "keyFile");
        }

        public boolean tls() {
            return certFile.isPresent();
        }
    }

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
        return start(backend, dataDir, List.of());
    }

    /**
     * As {@link #start(ServerBackend, Path)}, with operator platforms: the server runs its provisioning engine
     * (with the default timings; {@link BindingServer#startProvisioning} for others) and keeps the platforms across
     * restarts.
     */
    public static BenchServer start(ServerBackend backend, Path dataDir,
            List<io.vinbind.server.provisioning.OperatorPlatform.Spec> platforms) {
        return start(backend, dataDir, platforms, io.vinbind.server.presence.PresenceSettings.DEFAULT);
    }

    /** As above, with the presence settings (window, timeout, defaults, a webhook) kept across restarts too. */
    public static BenchServer start(ServerBackend backend, Path dataDir,
            List<io.vinbind.server.provisioning.OperatorPlatform.Spec> platforms,
            io.vinbind.server.presence.PresenceSettings presence) {
        Objects.requireNonNull(presence, "presence");
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(platforms, "platforms");
        Objects.requireNonNull(dataDir, "dataDir");
        ServerConfig config = ServerConfig.ephemeral(dataDir);
        Optional<String> schema = Optional.empty();
        io.vinbind.hil.perf.PrivateMosquitto mosquitto = null;
        if (backend == ServerBackend.MOSQUITTO_POSTGRES) {
            String s = "hil_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12).toLowerCase(Locale.ROOT);
            schema = Optional.of(s);
            DbSettings db = new DbSettings(ServerBackend.POSTGRES_URL, Optional.of(ServerBackend.POSTGRES_USER),
                    Optional.empty(), Optional.of(s), 4);
            try {
                // the PKI first: Mosquitto's listener needs the broker certificate and the CAs before the server starts
                java.nio.file.Files.createDirectories(dataDir);
                TestPki.openOrCreate(config.pki());
                mosquitto = io.vinbind.hil.perf.PrivateMosquitto.startSecured(
                        java.nio.file.Files.createDirectories(dataDir.resolve("mosquitto-run")), config.pki());
            } catch (PkiException | java.io.IOException e) {
                throw new BenchException("cannot prepare the PKI for the bench's Mosquitto in " + config.pki() + ": "
                        + e.getMessage(), e);
            }
            config = config.withExternalBroker(mosquitto.uri()).withDatabase(db).withInstanceId(EXTERNAL_INSTANCE_ID);
        }
        BenchServer bench = new BenchServer(backend, dataDir, config, schema);
        bench.mosquitto = mosquitto;
        bench.platforms = List.copyOf(platforms);
        bench.presence = presence;
        try {
            bench.startServer();
        } catch (RuntimeException e) {
            bench.close();
            throw e;
        }
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

    /** The HTTP API, with the server's first admin token. */
    public ServerApi api() {
        return api;
    }

    /** The admin bearer token the server created on its first start (data directory's admin.token). */
    public String adminToken() {
        return adminToken;
    }

    /** True when terminals reach the broker over TLS with client certificates (the embedded broker). */
    public boolean tls() {
        return config.externalBroker().map(u -> "ssl".equals(u.getScheme())).orElse(!config.insecurePlaintext());
    }

    /**
     * A terminal's credentials for this server's broker: with TLS a certificate for {@code terminalId}, issued by
     * the server's terminal CA as the terminal factory would (once; later calls return the same files).
     *
     * @throws BenchException when the PKI cannot issue it
     */
    public TerminalCredentials credentialsFor(String terminalId) {
        if (!tls()) {
            return new TerminalCredentials(terminalId, Optional.empty(), Optional.empty(), Optional.empty());
        }
        try {
            TestPki pki = server().pki().pki();
            TestPki.Issued issued = pki.issued(io.vinbind.server.pki.Identity.Kind.TERMINAL, terminalId).orElse(null);
            if (issued == null) {
                issued = pki.issueTerminal(terminalId);
                Logger.info("issued terminal certificate {} for {}", issued.certificateFile(), terminalId);
            }
            return new TerminalCredentials(terminalId, Optional.of(pki.serviceCaFile()),
                    Optional.of(issued.certificateFile()), Optional.of(issued.keyFile()));
        } catch (PkiException e) {
            throw new BenchException("cannot issue a certificate for terminal " + terminalId + ": " + e.getMessage(), e);
        }
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
            server = BindingServer.start(config, java.time.Clock.systemUTC(), platforms, presence);
        } catch (ServerStartException e) {
            throw new BenchException("binding server on " + backend + " did not start: " + e.getMessage(), e);
        }
        if (adminToken == null) {
            try {
                adminToken = java.nio.file.Files.readString(server.adminTokenFile()).trim();
            } catch (java.io.IOException e) {
                server.close();
                server = null;
                throw new BenchException("the server wrote no admin token to " + dataDir + ": " + e.getMessage(), e);
            }
        }
        api = new ServerApi(server.httpBaseUri(), adminToken);
        Logger.info("bench server up: {} mqtt {} http {}", backend, server.mqttUri(), server.httpBaseUri());
    }

    /**
     * A second server instance on this bench server's broker and database (Mosquitto + PostgreSQL only): its own
     * instance id, data directory and HTTP port, the same PKI (terminals' certificates chain to the same CA) and the
     * same operator platforms. Both instances share the requests (one shared-subscription group) and both run the
     * provisioning engine. The caller closes it, before this one.
     *
     * @throws BenchException on the embedded backend (its broker lives in the first server), or when it does not start
     */
    public BindingServer startPeer(String instanceId, Path peerDataDir) {
        if (backend != ServerBackend.MOSQUITTO_POSTGRES) {
            throw new BenchException("a peer server needs an external broker and database (" + backend + " has neither)",
                    null);
        }
        ServerConfig peer = ServerConfig.ephemeral(peerDataDir).withPkiDir(config.pki())
                .withExternalBroker(config.externalBroker().orElseThrow()).withDatabase(config.database().orElseThrow())
                .withInstanceId(instanceId);
        try {
            BindingServer s = BindingServer.start(peer, java.time.Clock.systemUTC(), platforms, presence);
            Logger.info("peer server {} up: mqtt {} http {}", instanceId, s.mqttUri(), s.httpBaseUri());
            return s;
        } catch (ServerStartException e) {
            throw new BenchException("peer server " + instanceId + " did not start: " + e.getMessage(), e);
        }
    }

    /** Stops the server and drops its PostgreSQL schema; the data directory belongs to the caller. */
    @Override
    public synchronized void close() {
        stop();
        if (mosquitto != null) {
            mosquitto.close();
            mosquitto = null;
        }
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
        return c.externalBroker().orElse(URI.create((c.insecurePlaintext() ? "tcp" : "ssl") + "://127.0.0.1:"
                + c.embeddedMqttPort()));
    }
}
