package io.vinbind.server.cli;

import io.vinbind.log.NonBlockingStderr;
import io.vinbind.protocol.VinPolicy;
import io.vinbind.server.BindingServer;
import io.vinbind.server.ServerConfig;
import io.vinbind.server.ServerStartException;
import io.vinbind.server.binding.IdentityPolicy;
import io.vinbind.server.binding.RebindPolicy;
import io.vinbind.server.registry.CsvHeaderException;
import io.vinbind.server.registry.ImportReport;
import io.vinbind.server.registry.ImportStatus;
import io.vinbind.server.registry.ModemRegistry;
import io.vinbind.server.store.Database;
import io.vinbind.server.store.DbSettings;
import io.vinbind.server.store.StoreException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Reader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./vinbind server}: runs the binding server until interrupted; {@code ./vinbind server import-modems
 * file.csv} imports factory registrations.
 */
@Command(name = "server", mixinStandardHelpOptions = true, sortOptions = false,
    subcommands = {ServerCli.ImportModems.class, TokenCli.class, ProvisioningCli.class, MosquittoConfigCli.class,
        MosquittoPluginCli.class},
    description = {
        "Runs the vinbind binding server until Ctrl-C.",
        "With no options it needs no setup: an embedded MQTT 5 broker (HiveMQ CE) on 127.0.0.1:"
            + ServerConfig.DEFAULT_MQTT_PORT + ", an H2 database under ./data and the HTTP API on 127.0.0.1:"
            + ServerConfig.DEFAULT_HTTP_PORT + ".",
        "Use --mqtt for an external broker (e.g. Mosquitto) and --db for PostgreSQL; run several instances on one "
            + "broker and one PostgreSQL database to share the load."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:--help or --version", "1:could not start (reason on stderr)", "2:bad command line",
        "130/143:stopped by Ctrl-C / SIGTERM (after finishing requests in progress)"},
    footer = {"", "Examples:",
        "  ./vinbind server",
        "  ./vinbind server --mqtt-port 0 --http-port 0 --data /tmp/vb",
        "  ./vinbind server --mqtt-listen 0.0.0.0 --http-listen 0.0.0.0",
        "  ./vinbind server mosquitto-config --pki data/pki --out /etc/mosquitto/conf.d/vinbind",
        "  ./vinbind server --mqtt ssl://127.0.0.1:8883 --db jdbc:postgresql://127.0.0.1:5432/test --db-user postgres",
        "  ./vinbind server --config /etc/vinbind-server/server.properties",
        "  ./vinbind server import-modems modems.csv",
        "  ./vinbind server token create --name workshop-7 --role after-sales",
        "", "API and protocol: docs/server.md, docs/protocol.md"})
public final class ServerCli implements Callable<Integer> {

    /** Options both the server and import-modems use to find the database. */
    static final class StorageOptions {
        @Option(names = "--data", paramLabel = "DIR", defaultValue = "data",
            description = "Data directory: H2 database, broker files, instance id (default: ${DEFAULT-VALUE}).")
        Path dataDir;

        @Option(names = "--db", paramLabel = "JDBC_URL",
            description = "Use this database instead of H2 under --data, e.g. jdbc:postgresql://127.0.0.1:5432/test.")
        String dbUrl;

        @Option(names = "--db-user", paramLabel = "USER", description = "Database user (PostgreSQL default: the OS user).")
        String dbUser;

        @Option(names = "--db-password-file", paramLabel = "FILE",
            description = "File holding the database password (owner-only; no secret goes on a command line). "
                + "Or set VINBIND_DB_PASSWORD. None for trust authentication.")
        Path dbPasswordFile;

        @Option(names = "--db-schema", paramLabel = "SCHEMA", description = "Schema to create and use (default: the database's default).")
        String dbSchema;

        Optional<DbSettings> settings() {
            if (dbUrl == null) {
                if (dbUser != null || dbPasswordFile != null || dbSchema != null) {
                    throw new IllegalArgumentException("--db-user, --db-password-file and --db-schema need --db");
                }
                return Optional.empty();
            }
            return Optional.of(new DbSettings(dbUrl, Optional.ofNullable(dbUser), password(),
                Optional.ofNullable(dbSchema), 8));
        }

        /** From --db-password-file (refused when others can read it) or VINBIND_DB_PASSWORD. */
        private Optional<String> password() {
            if (dbPasswordFile != null) {
                try {
                    io.vinbind.server.pki.SecretFiles.requireOwnerOnly(dbPasswordFile);
                    return Optional.of(Files.readString(dbPasswordFile, StandardCharsets.UTF_8).strip());
                } catch (IOException e) {
                    throw new IllegalArgumentException("--db-password-file " + dbPasswordFile + ": " + e.getMessage());
                }
            }
            return Optional.ofNullable(System.getenv("VINBIND_DB_PASSWORD")).filter(p -> !p.isEmpty());
        }

        DbSettings settingsOrH2() {
            return settings().orElse(DbSettings.h2File(dataDir));
        }
    }

    @Mixin
    StorageOptions storage = new StorageOptions();

    @Option(names = "--mqtt", paramLabel = "ssl://HOST:PORT",
        description = "Use this external MQTT 5 broker instead of starting the embedded one: ssl:// with the "
            + "server's certificate from --pki (see 'mosquitto-config'), or tcp:// on loopback only.")
    URI mqtt;

    @Option(names = "--mqtt-port", paramLabel = "PORT", defaultValue = "" + ServerConfig.DEFAULT_MQTT_PORT,
        description = "Port of the embedded broker (TLS, client certificates required); 0 picks a free one "
            + "(default: ${DEFAULT-VALUE}).")
    int mqttPort;

    @Option(names = "--mqtt-listen", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
        description = "Address the embedded broker listens on, e.g. 0.0.0.0 for a fleet (default: ${DEFAULT-VALUE}).")
    String mqttListen;

    @Option(names = "--http-port", paramLabel = "PORT", defaultValue = "" + ServerConfig.DEFAULT_HTTP_PORT,
        description = "Port of the HTTP API; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int httpPort;

    @Option(names = "--http-listen", paramLabel = "ADDRESS", defaultValue = "127.0.0.1",
        description = "Address the HTTP API listens on; anything but loopback is HTTPS with the server's "
            + "certificate (default: ${DEFAULT-VALUE}).")
    String httpListen;

    @Option(names = "--pki", paramLabel = "DIR",
        description = "PKI directory: terminal and service CAs, the server's certificate, CRLs (default: DIR/pki "
            + "under --data, where a test PKI is created on first start). An OEM's directory needs no CA keys.")
    Path pkiDir;

    @Option(names = "--insecure-plaintext",
        description = "INSECURE: the embedded broker without TLS on loopback, identities taken from MQTT user "
            + "names. Only to measure what TLS costs.")
    boolean insecurePlaintext;

    @Option(names = "--rebind-policy", paramLabel = "auto|hold|reject", defaultValue = "auto",
        converter = PolicyConverter.class,
        description = "When an upload would change a binding: rebind at once, hold for approval, or refuse (default: ${DEFAULT-VALUE}).")
    RebindPolicy rebindPolicy;

    @Option(names = "--vin-check", paramLabel = "strict|lenient", defaultValue = "strict",
        converter = VinCheckConverter.class,
        description = "strict refuses a VIN whose check digit (position 9) is wrong; lenient accepts it (default: ${DEFAULT-VALUE}).")
    VinPolicy vinCheck;

    @Option(names = "--identity-policy", paramLabel = "accept|hold|refuse", defaultValue = "hold",
        converter = IdentityPolicyConverter.class,
        description = "A login whose IMSI another terminal holds, or whose ICCID/IMEI contradicts the registry: "
            + "accept and record, hold for an operator, or refuse (default: ${DEFAULT-VALUE}).")
    IdentityPolicy identityPolicy;

    @Option(names = "--instance-id", paramLabel = "ID",
        description = "This instance's MQTT client id suffix (default: kept in DIR/instance-id). Must differ between instances.")
    String instanceId;

    @Option(names = "--operator-platform",
        paramLabel = "ID=URL,token-file=FILE[,ca-file=FILE][,smdp-address=FQDN][,confirmation-code]",
        description = "An operator platform (SM-DP+) to order eSIM profiles from over GSMA ES2+: its id in"
            + " configuration rules, its https URL, a file with its bearer token (mode 600), the CA certificates"
            + " (PEM) of its TLS certificate, the SM-DP+ address whose ES9+ is at that URL when it does not resolve"
            + " there, and confirmation-code when its orders are to be confirmed with a code (SGP.22 3.1.2; the"
            + " server makes one per order). Repeatable.")
    List<String> operatorPlatforms = new java.util.ArrayList<>();

    @Option(names = "--presence-window", paramLabel = "DURATION", defaultValue = "1h",
        converter = PresenceDuration.class,
        description = "Heartbeats are counted per window of this length (1m .. 1d; e.g. 15m, 1h; default: ${DEFAULT-VALUE}).")
    java.time.Duration presenceWindow;

    @Option(names = "--presence-timeout", paramLabel = "DURATION", defaultValue = "3m",
        converter = PresenceDuration.class,
        description = "A terminal silent for longer is offline (30s .. 1d; at least two heartbeat intervals; default: ${DEFAULT-VALUE}).")
    java.time.Duration presenceTimeout;

    @Option(names = "--presence-webhook", paramLabel = "URL[,token-file=FILE][,ca-file=FILE]",
        description = "Also deliver every online/offline event to this back end: POST URL with {\"events\":[...]},"
            + " oldest first, at least once (each event has its id), retried with backoff until it answers 2xx; one"
            + " instance of a fleet delivers at a time. https, or plain http to loopback only; token-file (mode 600)"
            + " holds a bearer token, ca-file the CA certificates (PEM) of its TLS certificate.")
    String presenceWebhook;

    /** {@code 90s}, {@code 15m}, {@code 1h}, {@code 1d}: a number and a unit. */
    static final class PresenceDuration implements CommandLine.ITypeConverter<java.time.Duration> {
        @Override
        public java.time.Duration convert(String v) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]{1,6})(s|m|h|d)").matcher(v == null ? "" : v.trim());
            if (!m.matches()) {
                throw new CommandLine.TypeConversionException("'" + v + "' is not a duration like 90s, 15m, 1h or 1d");
            }
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "s" -> java.time.Duration.ofSeconds(n);
                case "m" -> java.time.Duration.ofMinutes(n);
                case "h" -> java.time.Duration.ofHours(n);
                default -> java.time.Duration.ofDays(n);
            };
        }
    }

    @Option(names = "--config", paramLabel = "FILE",
        description = "Read settings from this properties file: every option above, keyed by its long name without "
            + "the dashes (mqtt-port = 8883); the command line wins over the file; an unknown key is refused.")
    Path configFile;

    /** Set on the second run, whose arguments already hold the file's settings. */
    private boolean configMerged;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final CountDownLatch stop = new CountDownLatch(1);

    public static void main(String[] args) {
        NonBlockingStderr.install(); // a supervisor that stops reading stderr must not stall the server
        System.exit(commandLine().execute(args));
    }

    /** The configured command line (tests run it in-process). */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new ServerCli());
        cl.setExecutionExceptionHandler((e, line, parse) -> {
            line.getErr().println("vinbind server: " + e.getMessage());
            return 1;
        });
        return cl;
    }

    @Override
    public Integer call() throws Exception {
        if (configFile != null && !configMerged) {
            java.util.List<String> args;
            try {
                args = ServerConfigFile.merge(configFile, spec, spec.commandLine().getParseResult());
            } catch (ServerConfigFile.ConfigFileException e) {
                spec.commandLine().getErr().println("vinbind server: " + e.getMessage());
                return 2;
            }
            CommandLine again = commandLine();
            again.setOut(spec.commandLine().getOut());
            again.setErr(spec.commandLine().getErr());
            ((ServerCli) again.getCommand()).configMerged = true;
            return again.execute(args.toArray(String[]::new));
        }
        ServerConfig config;
        List<io.vinbind.server.provisioning.OperatorPlatform.Spec> platforms = new java.util.ArrayList<>();
        io.vinbind.server.presence.PresenceSettings presence;
        try {
            config = config();
            presence = new io.vinbind.server.presence.PresenceSettings(presenceWindow, presenceTimeout,
                io.vinbind.server.presence.Limits.DEFAULT);
            if (presenceWebhook != null) {
                presence = presence.withWebhook(io.vinbind.server.presence.EventWebhook.parse(presenceWebhook));
            }
            for (String p : operatorPlatforms) {
                platforms.add(io.vinbind.server.provisioning.PlatformOption.parse(p));
            }
        } catch (IllegalArgumentException e) { // options that do not go together, or a value ServerConfig refuses
            spec.commandLine().getErr().println("vinbind server: " + e.getMessage());
            return 2;
        }
        PrintWriter out = spec.commandLine().getOut();
        BindingServer server;
        try {
            server = BindingServer.start(config, java.time.Clock.systemUTC(), platforms, presence);
        } catch (ServerStartException e) {
            spec.commandLine().getErr().println("vinbind server: cannot start: " + e.getMessage());
            return 1;
        }
        Thread hook = new Thread(() -> {
            server.close();
            stop.countDown();
        }, "vinbind-server-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        out.printf("vinbind server %s ready%n", server.instanceId());
        out.printf("  mqtt   %s (%s)%n", server.mqttUri(), server.embeddedBroker()
            ? "embedded HiveMQ CE, " + (insecurePlaintext ? "INSECURE plaintext" : "TLS + client certificates")
            : "external");
        out.printf("  pki    %s (server certificate %s)%n", server.pki().dir(),
            server.pki().serverCertificate().certificateFile().getFileName());
        out.printf("  http   %s%n", server.httpBaseUri());
        out.printf("  db     %s%n", config.database().orElse(DbSettings.h2File(config.dataDir())).describe());
        out.printf("  policy rebind %s, identity %s, VIN check %s%n", config.rebindPolicy().name().toLowerCase(Locale.ROOT),
            config.identityPolicy().name().toLowerCase(Locale.ROOT), config.vinPolicy().name().toLowerCase(Locale.ROOT));
        if (Files.exists(server.adminTokenFile())) {
            out.printf("  admin  API token in %s (owner-only; Authorization: Bearer <token>)%n", server.adminTokenFile());
        }
        for (var p : platforms) {
            out.printf("  esim   operator platform %s at %s (ES2+)%n", p.id(), p.base());
        }
        out.println("Ctrl-C stops it.");
        out.flush();
        stop.await();
        return 0;
    }

    /** The configuration the options describe; IllegalArgumentException for a bad combination. */
    private ServerConfig config() {
        ServerConfig config = ServerConfig.defaults(storage.dataDir).withMqttPort(mqttPort).withHttpPort(httpPort)
            .withRebindPolicy(rebindPolicy).withVinPolicy(vinCheck).withIdentityPolicy(identityPolicy)
            .withMqttListen(mqttListen).withHttpListen(httpListen);
        if (pkiDir != null) {
            config = config.withPkiDir(pkiDir);
        }
        if (mqtt != null) {
            config = config.withExternalBroker(mqtt);
        }
        config = config.withInsecurePlaintext(insecurePlaintext); // after --mqtt: the two are refused together
        Optional<DbSettings> db = storage.settings();
        if (db.isPresent()) {
            config = config.withDatabase(db.get());
        }
        if (instanceId != null) {
            config = config.withInstanceId(instanceId);
        }
        return config;
    }

    /** {@code ./vinbind server import-modems file.csv} */
    @Command(name = "import-modems", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Imports factory modem registrations from CSV into the server's database.",
            "Header line with columns (any order): imsi (required), iccid, imei, batch, part_number, registered_at "
                + "(ISO-8601 from 2000 to 2099, e.g. 2026-11-01T08:00:00Z). Quoting per RFC 4180.",
            "Idempotent; each record is checked and written on its own, and a bad one never stops the others: "
                + "prints one line per record, numbered by the line it starts on (ADDED / UNCHANGED / UPDATED / "
                + "REJECTED with reason).",
            "With the default H2 database, stop the server first (or use POST /modems/import)."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every line imported or unchanged", "1:could not import (reason on stderr)",
            "2:bad command line", "3:some lines rejected (see the report)"})
    static final class ImportModems implements Callable<Integer> {

        @Parameters(index = "0", paramLabel = "FILE.csv", description = "The CSV file.")
        Path file;

        @Mixin
        StorageOptions storage = new StorageOptions();

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            DbSettings settings = storage.settingsOrH2();
            try {
                if (storage.dbUrl == null) {
                    Files.createDirectories(storage.dataDir);
                }
                try (Database db = Database.open(settings); Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                    ImportReport report = new ModemRegistry(db, Clock.systemUTC()).importCsv(in);
                    for (ImportReport.Line l : report.lines()) {
                        out.printf("line %d: %s %s%s%n", l.line(), l.imsi().isEmpty() ? "-" : l.imsi(), l.status(),
                            l.reason().map(r -> " (" + r + ")").orElse(""));
                    }
                    out.println(report.summary());
                    out.flush();
                    return report.count(ImportStatus.REJECTED) > 0 ? 3 : 0;
                }
            } catch (NoSuchFileException e) {
                err.println("vinbind server import-modems: no such file: " + file);
                return 1;
            } catch (IOException e) {
                err.println("vinbind server import-modems: cannot read " + file + ": " + e.getMessage());
                return 1;
            } catch (CsvHeaderException e) {
                err.println("vinbind server import-modems: " + file + ": " + e.getMessage());
                return 1;
            } catch (StoreException e) {
                err.println("vinbind server import-modems: " + e.getMessage());
                return 1;
            }
        }
    }

    static final class PolicyConverter implements CommandLine.ITypeConverter<RebindPolicy> {
        @Override
        public RebindPolicy convert(String value) {
            try {
                return RebindPolicy.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    static final class IdentityPolicyConverter implements CommandLine.ITypeConverter<IdentityPolicy> {
        @Override
        public IdentityPolicy convert(String value) {
            try {
                return IdentityPolicy.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    static final class VinCheckConverter implements CommandLine.ITypeConverter<VinPolicy> {
        @Override
        public VinPolicy convert(String value) {
            try {
                return VinPolicy.valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException("VIN check '" + value + "' is not strict or lenient");
            }
        }
    }
}
