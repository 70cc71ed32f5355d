package io.vinbind.server;

import io.vinbind.protocol.BindAck;
import io.vinbind.server.binding.BindingService;
import io.vinbind.server.binding.JdbcBindingStore;
import io.vinbind.server.binding.LoginService;
import io.vinbind.server.binding.TerminalService;
import io.vinbind.server.auth.ApiTokens;
import io.vinbind.server.auth.Role;
import io.vinbind.server.broker.BrokerSecurity;
import io.vinbind.server.broker.BrokerStartException;
import io.vinbind.server.binding.TerminalRecord;
import io.vinbind.server.mqtt.MqttCredentials;
import io.vinbind.server.pki.Identity;
import io.vinbind.server.pki.PkiException;
import io.vinbind.server.pki.TlsMaterial;
import io.vinbind.server.broker.EmbeddedBroker;
import io.vinbind.server.history.History;
import io.vinbind.server.http.HttpApi;
import io.vinbind.server.mqtt.MqttFrontEnd;
import io.vinbind.server.registry.ModemRegistry;
import io.vinbind.server.store.Database;
import io.vinbind.server.store.DbSettings;
import io.vinbind.server.store.StoreException;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import io.vinbind.server.provisioning.ConfigurationLibrary;
import io.vinbind.server.provisioning.DeviceModelLibrary;
import io.vinbind.server.provisioning.FleetFacts;
import io.vinbind.server.provisioning.OperatorOrders;
import io.vinbind.server.provisioning.OperatorPlatform;
import io.vinbind.server.provisioning.Provisioning;
import io.vinbind.server.presence.PresenceService;
import io.vinbind.server.presence.PresenceSettings;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.tinylog.Logger;

/**
 * A running binding server: database, MQTT broker (embedded or external), MQTT front end and HTTP API.
 *
 * <pre>{@code
 * try (BindingServer server = BindingServer.start(ServerConfig.ephemeral(dataDir))) {
 *     server.registry().importCsv(reader);          // or register(modem)
 *     URI mqtt = server.mqttUri();                   // ssl://127.0.0.1:port for terminals (mutual TLS)
 *     URI http = server.httpBaseUri();               // http://127.0.0.1:port for the API (https:// off loopback)
 * }
 * // restart on the same data: BindingServer.start(sameConfig.withMqttPort(oldMqttPort))
 * }</pre>
 * {@link #close()} stops everything; the H2 file and the instance id stay in the data directory, so a new
 * server started with the same config continues with the same registry, bindings, history and MQTT session.
 */
public final class BindingServer implements AutoCloseable {

    /**
     * How long the answer to a request is kept for replays. Terminal retransmissions come within minutes; a
     * month covers a vehicle parked with its flag set. Older replays are decided again, which is harmless.
     */
    public static final Duration ANSWER_RETENTION = Duration.ofDays(30);
    static final Duration HOUSEKEEPING_PERIOD = Duration.ofHours(6);

    private final ServerConfig config;
    private final String instanceId;
    private final Database db;
    private final Optional<EmbeddedBroker> broker;
    private final URI mqttUri;
    private final MqttFrontEnd mqtt;
    private final HttpApi http;
    private final ModemRegistry registry;
    private final BindingService bindings;
    private final History history;
    private final ServerMetrics metrics;
    private final TerminalService terminals;
    private final ApiTokens tokens;
    private final Path adminTokenFile;
    private final ServerPki pki;
    private final Deque<AutoCloseable> closeables;
    /** How the relay client authenticates to the broker (the front end's credentials). */
    private MqttCredentials relayCredentials;
    private io.vinbind.server.relay.EsimRelay relay; // guarded by this
    private Provisioning provisioningParts;
    private PresenceService presenceService;
    private List<OperatorPlatform.Spec> platformSpecs = List.of();
    private io.vinbind.server.provisioning.Provisioner provisioner; // guarded by this
    private io.vinbind.server.binding.ProfileSwitches profileSwitches;

    private BindingServer(ServerConfig config, String instanceId, Database db, Optional<EmbeddedBroker> broker,
                          URI mqttUri, MqttFrontEnd mqtt, HttpApi http, ModemRegistry registry,
                          BindingService bindings, History history, ServerMetrics metrics,
                          TerminalService terminals, ApiTokens tokens, Path adminTokenFile, ServerPki pki,
                          Deque<AutoCloseable> closeables) {
        this.config = config;
        this.instanceId = instanceId;
        this.db = db;
        this.broker = broker;
        this.mqttUri = mqttUri;
        this.mqtt = mqtt;
        this.http = http;
        this.registry = registry;
        this.bindings = bindings;
        this.history = history;
        this.metrics = metrics;
        this.terminals = terminals;
        this.tokens = tokens;
        this.adminTokenFile = adminTokenFile;
        this.pki = pki;
        this.closeables = closeables;
    }

    private static Provisioning provisioning(Database db, Clock clock, List<OperatorPlatform.Spec> specs,
                                             String instanceId) throws ServerStartException {
        Map<String, OperatorPlatform> platforms = new LinkedHashMap<>();
        for (OperatorPlatform.Spec spec : specs) {
            try {
                if (platforms.put(spec.id(), new OperatorPlatform(spec, "vinbind-" + instanceId)) != null) {
                    throw new ServerStartException("operator platform " + spec.id() + " is configured twice", null);
                }
            } catch (IOException e) {
                throw new ServerStartException("operator platform " + spec.id() + ": " + e.getMessage(), e);
            }
        }
        DeviceModelLibrary models = new DeviceModelLibrary(db, clock);
        FleetFacts fleet = new FleetFacts(db);
        return new Provisioning(models, new ConfigurationLibrary(db, clock), fleet,
            new OperatorOrders(db, clock, platforms), new io.vinbind.server.provisioning.ProfilePool(db, clock),
            new io.vinbind.server.provisioning.ProvisioningJobs(db, clock),
            new io.vinbind.server.provisioning.Campaigns(db, clock, models, fleet));
    }

    /**
     * Starts a server. On failure everything already started is stopped again.
     *
     * @throws ServerStartException naming the part that failed
     */
    public static BindingServer start(ServerConfig config) throws ServerStartException {
        return start(config, Clock.systemUTC());
    }

    /** As {@link #start(ServerConfig)} with an explicit clock (tests). */
    public static BindingServer start(ServerConfig config, Clock clock) throws ServerStartException {
        return start(config, clock, List.of());
    }

    /**
     * As {@link #start(ServerConfig, Clock)}, with the operator platforms (SM-DP+ ES2+ endpoints) the provisioning
     * catalog orders from.
     */
    public static BindingServer start(ServerConfig config, Clock clock, List<OperatorPlatform.Spec> platforms)
        throws ServerStartException {
        return start(config, clock, platforms, PresenceSettings.DEFAULT);
    }

    /** As above, with the presence window, timeout and default limits. */
    public static BindingServer start(ServerConfig config, Clock clock, List<OperatorPlatform.Spec> platforms,
                                      PresenceSettings presenceSettings) throws ServerStartException {
        Deque<AutoCloseable> started = new ArrayDeque<>();
        try {
            Files.createDirectories(config.dataDir());
            String instanceId = config.instanceId().orElse(storedInstanceId(config.dataDir()));
            DbSettings dbSettings = config.database().orElse(DbSettings.h2File(config.dataDir()));
            Database db;
            try {
                db = Database.open(dbSettings);
            } catch (StoreException e) {
                throw new ServerStartException("database: " + e.getMessage(), e);
            }
            started.push(db);
            ServerMetrics metrics = new ServerMetrics();
            JdbcBindingStore store = new JdbcBindingStore(db);
            ModemRegistry registry = new ModemRegistry(db, clock);
            History history = new History(db);
            BindingService bindings = new BindingService(store, clock, config.rebindPolicy(), config.vinPolicy());
            LoginService logins = new LoginService(store, clock, config.identityPolicy());
            ApiTokens tokens = new ApiTokens(db, clock);
            Path adminTokenFile;
            try {
                adminTokenFile = bootstrapAdminToken(tokens, config.dataDir());
            } catch (StoreException e) {
                throw new ServerStartException("database: cannot set up the first API credential: " + e.getMessage(), e);
            }
            java.util.concurrent.atomic.AtomicReference<java.util.function.Consumer<String>> revokedHook =
                new java.util.concurrent.atomic.AtomicReference<>(id -> { });
            TerminalService terminals = new TerminalService(store, clock, id -> revokedHook.get().accept(id));
            ServerPki pki;
            try {
                pki = ServerPki.prepare(config);
            } catch (PkiException e) {
                throw new ServerStartException("PKI " + config.pki() + ": " + e.getMessage(), e);
            }
            Optional<EmbeddedBroker> broker = Optional.empty();
            URI mqttUri;
            char[] servicePassword = TlsMaterial.randomPassword();
            MqttCredentials credentials;
            if (config.externalBroker().isPresent()) {
                mqttUri = config.externalBroker().get();
                if ("ssl".equals(mqttUri.getScheme())) {
                    credentials = MqttCredentials.tls(pki.clientContext());
                } else {
                    Logger.warn("MQTT broker {} is plaintext: it cannot tell terminals apart, so anyone on this machine"
                        + " can speak for any terminal; use ssl:// with client certificates (docs/security.md)", mqttUri);
                    credentials = MqttCredentials.none();
                }
            } else {
                try {
                    BrokerSecurity security = new BrokerSecurity(
                        config.insecurePlaintext() ? Optional.empty() : Optional.of(pki.brokerTls()),
                        pki.anchors(), pki::revokedSerials, id -> terminalRevoked(terminals, id), servicePassword,
                        java.util.Set.of(ServerPki.SERVER_NAME));
                    if (config.insecurePlaintext()) {
                        Logger.warn("the embedded broker listens WITHOUT TLS on {} (identities are MQTT user names):"
                            + " for measurements only", config.mqttListen());
                    }
                    EmbeddedBroker b = EmbeddedBroker.start(config.embeddedMqttPort(), config.mqttListen(),
                        config.dataDir().resolve("broker"), security);
                    started.push(b);
                    broker = Optional.of(b);
                    mqttUri = b.uri();
                    revokedHook.set(b::disconnect);
                } catch (BrokerStartException e) {
                    throw new ServerStartException("embedded MQTT broker: " + e.getMessage(), e);
                }
                credentials = config.insecurePlaintext()
                    ? MqttCredentials.plaintext(Identity.SERVICE_PREFIX + ServerPki.SERVER_NAME, servicePassword)
                    : MqttCredentials.tls(pki.clientContext());
            }
            MqttFrontEnd mqtt;
            Provisioning provisioning = provisioning(db, clock, platforms, instanceId);
            PresenceService presence = new PresenceService(db, clock, presenceSettings, provisioning.models(),
                provisioning.fleet());
            try {
                mqtt = new MqttFrontEnd(mqttUri, Identity.SERVICE_PREFIX + ServerPki.SERVER_NAME + ":" + instanceId,
                    credentials, logins, bindings, metrics, config.mqttWorkers());
                started.push(mqtt);
                mqtt.enablePresence(presence);
                mqtt.enableGroupCommit(db);
                mqtt.start();
            } catch (MqttException e) {
                throw new ServerStartException("MQTT broker " + mqttUri + ": " + e.getMessage()
                    + (e.getCause() != null ? " (" + e.getCause().getMessage() + ")" : ""), e);
            }
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("instance", instanceId);
            info.put("broker", mqttUri.toString());
            info.put("embeddedBroker", broker.isPresent());
            info.put("db", dbSettings.describe());
            info.put("rebindPolicy", config.rebindPolicy().name());
            info.put("vinCheck", config.vinPolicy().name());
            info.put("identityPolicy", config.identityPolicy().name());
            info.put("pki", pki.dir().toString());
            HttpApi http;
            try {
                final MqttFrontEnd front = mqtt;
                Optional<javax.net.ssl.SSLContext> https = ServerConfig.loopback(config.httpListen()) ? Optional.empty()
                    : Optional.of(pki.serverContext());
                http = new HttpApi(config.httpListen(), config.httpPort(), https, bindings, terminals, tokens, registry,
                    history, metrics, db::isHealthy, front::isConnected, front::publish, info,
                    provisioning, presence);
                started.push(http);
            } catch (IOException e) {
                throw new ServerStartException("HTTP API on " + config.httpListen() + ":" + config.httpPort() + ": "
                    + e.getMessage(), e);
            }
            started.push(housekeeping(bindings, pki));
            started.push(sweeper(presence, "sweeper:" + instanceId));
            if (presenceSettings.webhook().isPresent()) {
                try {
                    started.push(new io.vinbind.server.presence.EventWebhook(db, presenceSettings.webhook().get(),
                        instanceId, clock).start(Duration.ofSeconds(1)));
                } catch (IOException e) {
                    throw new ServerStartException("presence webhook: " + e.getMessage(), e);
                }
                info.put("presenceWebhook", presenceSettings.webhook().get().toString());
            }
            Logger.info("vinbind server {} ready: mqtt {}, http {}, db {}, policy {}", instanceId, mqttUri,
                http.baseUri(), dbSettings.describe(), config.rebindPolicy());
            BindingServer server = new BindingServer(config, instanceId, db, broker, mqttUri, mqtt, http, registry,
                bindings, history, metrics, terminals, tokens, adminTokenFile, pki, started);
            server.relayCredentials = credentials;
            server.profileSwitches = new io.vinbind.server.binding.ProfileSwitches(store, registry, clock);
            server.provisioningParts = provisioning;
            server.presenceService = presence;
            server.platformSpecs = List.copyOf(platforms);
            if (!platforms.isEmpty()) {
                server.startProvisioning(io.vinbind.server.provisioning.Provisioner.Settings.defaults(instanceId));
            }
            return server;
        } catch (IOException e) {
            closeAll(started);
            throw new ServerStartException("data directory " + config.dataDir() + ": " + e.getMessage(), e);
        } catch (ServerStartException | RuntimeException e) {
            closeAll(started);
            throw e;
        }
    }

    /**
     * Creates the first admin token when the database has none, writes it (owner-only) to
     * {@value #ADMIN_TOKEN_FILE} in the data directory and returns that file; with an admin already present it
     * returns the file (it may not exist: another instance, or an administrator, holds the token). Instances
     * starting at once on one empty database race for the name: the loser finds the winner's admin and starts
     * without a token file of its own.
     */
    static Path bootstrapAdminToken(ApiTokens tokens, Path dataDir) throws StoreException, IOException {
        Path file = dataDir.resolve(ADMIN_TOKEN_FILE);
        ApiTokens.NewToken t = null;
        for (int attempt = 1; t == null; attempt++) {
            if (tokens.hasAdmin()) {
                return file;
            }
            java.util.Set<String> taken = new java.util.HashSet<>();
            tokens.list().forEach(k -> taken.add(k.name()));
            String name = "admin";
            for (int i = 2; taken.contains(name); i++) {
                name = "admin-" + i; // names of revoked tokens stay taken: they are history
            }
            try {
                t = tokens.create(name, Role.ADMIN, "first start");
            } catch (ApiTokens.NameTakenException e) {
                if (tokens.hasAdmin()) {
                    Logger.info("another instance created the first admin token ('{}') at the same time: this one"
                        + " writes no token file", name);
                    return file;
                }
                if (attempt >= 3) {
                    throw e;
                }
            }
        }
        String name = t.name();
        Path tmp = Files.createTempFile(dataDir, ".admin-token", ".tmp",
            java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, t.token() + "\n", StandardCharsets.US_ASCII);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
            java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        Logger.warn("no admin credential existed: created API token '{}' with role admin, in {} (owner-only);"
            + " keep it safe, create others with POST /tokens", name, file);
        return file;
    }

    /** Name of the file the first admin token is written to, in the data directory. */
    public static final String ADMIN_TOKEN_FILE = "admin.token";

    /**
     * The broker terminals connect to: the embedded one's {@code ssl://<listen address>:port} (e.g.
     * {@code ssl://127.0.0.1:18830}; {@code 127.0.0.1} when it listens on every address; {@code tcp://} only in
     * the insecure plaintext mode), or the external broker as configured.
     */
    public URI mqttUri() {
        return mqttUri;
    }

    /**
     * The HTTP API's base: {@code http://127.0.0.1:18080} on loopback, {@code https://<listen address>:port}
     * otherwise ({@code 127.0.0.1} when it listens on every address).
     */
    public URI httpBaseUri() {
        return http.baseUri();
    }

    /** True when this server runs its own embedded broker. */
    public boolean embeddedBroker() {
        return broker.isPresent();
    }

    public String instanceId() {
        return instanceId;
    }

    public ServerConfig config() {
        return config;
    }

    /** Terminals: lookup, revocation, identity conflicts. */
    public TerminalService terminals() {
        return terminals;
    }

    /** HTTP API credentials. */
    public ApiTokens tokens() {
        return tokens;
    }

    /** The PKI the server trusts and issues its own certificate from (tests issue terminal certificates here). */
    public ServerPki pki() {
        return pki;
    }

    /** Whether the database says a terminal is revoked (asked by the broker at every connect; fails closed). */
    private static boolean terminalRevoked(TerminalService terminals, String terminalId) {
        try {
            return terminals.terminal(terminalId).map(TerminalRecord::revoked).orElse(false);
        } catch (StoreException | IllegalArgumentException e) {
            Logger.warn("cannot tell whether terminal {} is revoked ({}); refusing it", terminalId, e.getMessage());
            return true;
        }
    }

    /** Where the first admin token was written (it may not exist, see {@link #bootstrapAdminToken}). */
    public Path adminTokenFile() {
        return adminTokenFile;
    }

    /** The modem registry (register modems, import CSV, look up). */
    public ModemRegistry registry() {
        return registry;
    }

    /** Binding lookups, manual unbind, holds, user links. */
    public BindingService bindings() {
        return bindings;
    }

    public History history() {
        return history;
    }

    public ServerMetrics metrics() {
        return metrics;
    }

    /** Publishes an ack that is not a direct answer (e.g. after an approval done through {@link #bindings()}). */
    public void publish(BindAck ack) {
        mqtt.publish(ack);
    }

    /**
     * Starts the provisioning engine (the server-side LPA driving jobs and campaigns) with {@code settings}, replacing
     * a running one. The server starts it with the defaults when operator platforms are configured; benches and tests
     * call this for other timings.
     *
     * @throws ServerStartException the ES9+ client cannot be set up (a trust file)
     */
    public synchronized io.vinbind.server.provisioning.Provisioner startProvisioning(
            io.vinbind.server.provisioning.Provisioner.Settings settings) throws ServerStartException {
        if (provisioner != null) {
            provisioner.close();
            closeables.remove(provisioner);
        }
        Map<String, URI> overrides = new LinkedHashMap<>();
        List<java.nio.file.Path> trust = new java.util.ArrayList<>();
        for (OperatorPlatform.Spec spec : platformSpecs) {
            spec.es9Address().ifPresent(a -> overrides.put(a, spec.base()));
            spec.trust().ifPresent(trust::add);
        }
        io.vinbind.server.provisioning.lpa.Es9Client es9;
        try {
            es9 = new io.vinbind.server.provisioning.lpa.Es9Client(overrides, trust);
        } catch (IOException e) {
            throw new ServerStartException("ES9+ client: " + e.getMessage(), e);
        }
        Clock clock = provisioningParts.jobs().clock();
        io.vinbind.server.provisioning.Provisioner.CardLinks links = (terminalId, session, model) -> {
            try {
                return new io.vinbind.server.relay.RelaySession(relay(), terminalId, session,
                    io.vinbind.esim.es10.Es10Client.ISD_R_AID, RELAY_PER_TRY, RELAY_ATTEMPTS);
            } catch (MqttException e) {
                throw new IllegalStateException("the eSIM relay cannot connect to " + mqttUri + ": " + e.getMessage(), e);
            }
        };
        PresenceService presence = presenceService;
        provisioner = new io.vinbind.server.provisioning.Provisioner(provisioningParts.jobs(),
            provisioningParts.campaigns(), provisioningParts.orders(), provisioningParts.pool(),
            provisioningParts.models(), provisioningParts.fleet(), profileSwitches,
            id -> presence.entry(id).map(PresenceService.Entry::online).orElse(false),
            new io.vinbind.server.provisioning.lpa.ServerLpa(es9, clock), links, settings);
        closeables.push(provisioner);
        provisioner.start();
        return provisioner;
    }

    /** Stops the provisioning engine (jobs stay where they are; another instance, or a restart, goes on with them). */
    public synchronized void stopProvisioning() {
        if (provisioner != null) {
            provisioner.close();
            closeables.remove(provisioner);
            provisioner = null;
        }
    }

    /** The running provisioning engine, if any. */
    public synchronized Optional<io.vinbind.server.provisioning.Provisioner> provisioner() {
        return Optional.ofNullable(provisioner);
    }

    /** The provisioning platform's parts (catalog, profile lists, jobs, campaigns). */
    public Provisioning provisioning() {
        return provisioningParts;
    }

    /** Bound on one relay batch's answer, and how often it is sent before the terminal counts as unreachable. */
    static final java.time.Duration RELAY_PER_TRY = java.time.Duration.ofSeconds(20);
    static final int RELAY_ATTEMPTS = 3;

    /** Profile switches the server orders (registers the profile's IMSI, records the expected change). */
    public io.vinbind.server.binding.ProfileSwitches profileSwitches() {
        return profileSwitches;
    }

    /**
     * The eSIM relay client (the server-side LPA's way to the terminals' eUICCs), connected on first use as
     * {@code svc:<server>:<instance>:relay} with the front end's credentials.
     *
     * @throws MqttException the broker refused it
     */
    public synchronized io.vinbind.server.relay.EsimRelay relay() throws MqttException {
        if (relay == null) {
            relay = io.vinbind.server.relay.EsimRelay.start(mqttUri, Identity.SERVICE_PREFIX + ServerPki.SERVER_NAME
                + ":" + instanceId + ":relay", relayCredentials);
            closeables.push(relay);
        }
        return relay;
    }

    public boolean isHealthy() {
        return db.isHealthy() && mqtt.isConnected();
    }

    /**
     * Stops abruptly, as a crash would (for crash tests and benches): the MQTT connection is dropped without a
     * DISCONNECT, so an external broker keeps this instance's session and redelivers its unacknowledged
     * requests when an instance with the same id starts again; requests being decided are abandoned and
     * their transactions roll back. An embedded broker goes down with the server. The provisioning engine alone
     * stops first, as {@link #close} stops it: the relay's waits ended, its jobs at their step boundaries; stopped
     * mid-step, a worker went on driving its card with the relay and the pool closed under it while the restarted
     * instance took the same job (CampaignIT). A crash inside a step is resumed from the step last recorded
     * (ProvisionerIT, ServerLpaTest).
     */
    public void kill() {
        stopProvisioningFirst();
        mqtt.kill();
        closeables.remove(mqtt);
        closeAll(closeables);
        Logger.warn("vinbind server {} killed", instanceId);
    }

    /**
     * Stops the provisioning engine (the relay's waits ended, its jobs at a step boundary) before the eSIM relay its
     * workers talk through, then the HTTP API, the MQTT front end, the embedded broker and the database pool.
     */
    @Override
    public void close() {
        stopProvisioningFirst();
        closeAll(closeables);
        Logger.info("vinbind server {} stopped", instanceId);
    }

    /**
     * Stops the provisioning engine before anything it uses: no new step, the relay's waits ended (a job waiting on a
     * powered-OFF terminal's card would hold the stop for up to a minute, then go on with the relay closed under
     * it), its workers waited for at their step boundaries.
     */
    private void stopProvisioningFirst() {
        io.vinbind.server.provisioning.Provisioner p = detachProvisioner();
        if (p != null) {
            p.beginStop();
        }
        io.vinbind.server.relay.EsimRelay r;
        synchronized (this) {
            r = relay;
        }
        if (r != null) {
            r.stopWaiting("the server is stopping");
        }
        if (p != null) {
            p.close();
        }
    }

    /** The provisioning engine taken off the list of things to close, to be stopped first. */
    private synchronized io.vinbind.server.provisioning.Provisioner detachProvisioner() {
        io.vinbind.server.provisioning.Provisioner p = provisioner;
        if (p != null) {
            closeables.remove(p);
        }
        return p;
    }

    private static void closeAll(Deque<AutoCloseable> started) {
        while (!started.isEmpty()) {
            AutoCloseable c = started.pop();
            try {
                c.close();
            } catch (Exception e) {
                Logger.warn(e, "stopping {} failed", c.getClass().getSimpleName());
            }
        }
    }

    /**
     * Purges stored answers older than {@link #ANSWER_RETENTION} now and every {@link #HOUSEKEEPING_PERIOD}, on
     * a daemon thread. Every instance does it; the deletes are idempotent.
     */
    /**
     * The presence sweeper: every {@link PresenceSettings#sweepPeriod} it marks silent terminals offline (each
     * transition once, whichever instances sweep).
     */
    private static AutoCloseable sweeper(PresenceService presence, String source) {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vinbind-presence-sweeper");
            t.setDaemon(true);
            return t;
        });
        long period = presence.settings().sweepPeriod().toMillis();
        timer.scheduleWithFixedDelay(() -> {
            try {
                presence.sweep(source);
            } catch (StoreException | RuntimeException e) {
                Logger.warn("presence sweep failed (will retry): {}", e.getMessage());
            }
        }, period, period, TimeUnit.MILLISECONDS);
        return timer::shutdownNow;
    }

    private static AutoCloseable housekeeping(BindingService bindings, ServerPki pki) {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vinbind-housekeeping");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(() -> {
            pki.refreshCrls(); // an expired CRL makes a broker that checks it refuse everyone
            try {
                int n = bindings.purgeAnswers(ANSWER_RETENTION);
                if (n > 0) {
                    Logger.info("forgot {} answers older than {}", n, ANSWER_RETENTION);
                }
            } catch (StoreException | RuntimeException e) {
                Logger.warn("purging old answers failed (will retry): {}", e.getMessage());
            }
        }, 1, HOUSEKEEPING_PERIOD.toSeconds(), TimeUnit.SECONDS);
        return timer::shutdownNow;
    }

    /** The instance id kept in the data directory, so the MQTT session survives a restart. */
    private static String storedInstanceId(Path dataDir) throws IOException {
        Path file = dataDir.resolve("instance-id");
        if (Files.exists(file)) {
            String id = Files.readString(file, StandardCharsets.UTF_8).trim();
            if (id.matches("[A-Za-z0-9._-]{1,64}")) {
                return id;
            }
            Logger.warn("ignoring malformed instance id in {}", file);
        }
        String id = UUID.randomUUID().toString().substring(0, 8);
        Path tmp = dataDir.resolve("instance-id.tmp");
        Files.writeString(tmp, id + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE,
            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return id;
    }
}
