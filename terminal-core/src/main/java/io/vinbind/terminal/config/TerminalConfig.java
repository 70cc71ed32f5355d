package io.vinbind.terminal.config;

import io.vinbind.can.CanId;
import io.vinbind.can.CanSpec;
import io.vinbind.can.uds.UdsClientConfig;
import io.vinbind.can.vehicle.PowerModeLayout;
import io.vinbind.modem.Apn;
import io.vinbind.modem.Dialect;
import io.vinbind.modem.link.SerialConfig;
import io.vinbind.terminal.machine.MachineConfig;
import io.vinbind.terminal.machine.RetryPolicy;
import io.vinbind.protocol.Identifiers;
import io.vinbind.protocol.VinPolicy;
import io.vinbind.terminal.tls.CredentialException;
import io.vinbind.terminal.tls.TerminalCredential;
import io.vinbind.terminal.tls.TerminalTls;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.security.cert.X509Certificate;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Everything the terminal daemon needs to run, read from a {@code terminal.properties} file. Every value
 * is checked when the configuration is loaded, and a bad one is refused with a {@link ConfigException}
 * naming the key, the value and what is expected — at start, never in the middle of a drive. Unknown keys
 * are refused too, because a misspelt key silently falling back to a default is worse than no start.
 *
 * <p>The keys and defaults are listed in {@link #KEYS} and in the commented example
 * {@code terminal.properties} shipped with the daemon; {@code docs/terminal.md} explains them.
 *
 * @param canChannel     CAN channel spec ({@code can.channel}), shared by UDS and the power-mode listener
 * @param uds            UDS client settings for the smart-key ECU (the can-bus module's {@code uds.*} keys)
 * @param power          where the power mode comes from
 * @param modemSerial    modem AT port
 * @param modemDialect   vendor dialect, or empty to detect it
 * @param apn            APN for the data context
 * @param simReady       how long a SIM may stay busy after power-up
 * @param registration   how long to wait for network registration (within {@code timeout.attach})
 * @param mqttBroker     broker URI ({@code ssl://host:port}, {@code mqtts://host:port}, or {@code tcp://host:port}
 *                       on loopback or with {@code mqtt.insecure-plaintext})
 * @param terminalId     the terminal's identity: the CN of its certificate with TLS, {@code terminal.id} without;
 *                       the MQTT client id, the topics' terminal level and every request's {@code terminalId}
 * @param mqttTls        the TLS files of an {@code ssl://} / {@code mqtts://} broker; empty for {@code tcp://}
 * @param insecurePlaintext {@code mqtt.insecure-plaintext}: a {@code tcp://} broker off loopback was allowed
 *                       explicitly (a warning is logged at every start)
 * @param keepAlive      MQTT keep-alive
 * @param dataDir        where the state file lives
 * @param machine        the state machine's bounds and policies
 * @param terminalModel  {@code terminal.model}: the terminal's model, reported at every login (issue 14)
 */
public record TerminalConfig(CanSpec canChannel, UdsClientConfig uds, PowerSourceSpec power,
        SerialConfig modemSerial, Optional<Dialect> modemDialect, Apn apn, Duration simReady, Duration registration,
        URI mqttBroker, String terminalId, Optional<MqttTls> mqttTls, boolean insecurePlaintext,
        Duration keepAlive, Path dataDir, MachineConfig machine, String terminalModel) {

    /** Every key the file may hold, with its default ({@code null}: required) and what it expects. */
    public static final Map<String, String[]> KEYS = keys();

    public TerminalConfig {
        Objects.requireNonNull(canChannel, "canChannel");
        Objects.requireNonNull(uds, "uds");
        Objects.requireNonNull(power, "power");
        Objects.requireNonNull(modemSerial, "modemSerial");
        Objects.requireNonNull(modemDialect, "modemDialect");
        Objects.requireNonNull(apn, "apn");
        Objects.requireNonNull(simReady, "simReady");
        Objects.requireNonNull(registration, "registration");
        Objects.requireNonNull(mqttBroker, "mqttBroker");
        Identifiers.requireTerminalId(terminalId);
        Objects.requireNonNull(mqttTls, "mqttTls");
        boolean tls = isTls(mqttBroker);
        if (tls != mqttTls.isPresent()) {
            throw new IllegalArgumentException(tls ? "an " + mqttBroker.getScheme() + ":// broker needs the TLS files"
                    : "TLS files are for ssl:// and mqtts:// brokers, not " + mqttBroker.getScheme() + "://");
        }
        if (tls && insecurePlaintext) {
            throw new IllegalArgumentException("insecurePlaintext is for tcp:// brokers only");
        }
        Objects.requireNonNull(keepAlive, "keepAlive");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(machine, "machine");
        Identifiers.requireModelText("terminalModel", terminalModel);
    }

    private static Map<String, String[]> keys() {
        Map<String, String[]> k = new LinkedHashMap<>();
        // key -> {default or null if required, what is expected}
        k.put("can.channel", new String[] {null, "a CAN channel: slcan:<port>[@<bitrate>] (bitrate one of 10k, 20k, 50k, "
                + "100k, 125k, 250k, 500k, 800k, 1M), socketcan:<if> or virtual:<bus>"});
        k.put("uds.request-id", new String[] {"0x740", "a CAN identifier in hex (1-3 digits 11-bit, 8 digits 29-bit)"});
        k.put("uds.response-id", new String[] {"0x748", "a CAN identifier in hex, different from uds.request-id"});
        k.put("uds.p2", new String[] {"1000ms", "a duration from 1ms to 65535ms (P2 is a 16-bit number of milliseconds, "
                + "ISO 14229-2), such as 1000ms"});
        k.put("uds.p2-star", new String[] {"5000ms", "a duration from 10ms to 655350ms (P2* is a 16-bit number of 10 ms, "
                + "ISO 14229-2), such as 5000ms"});
        k.put("uds.timeout", new String[] {"5s", DURATION + " (one whole request, response-pending included)"});
        k.put("uds.padding", new String[] {"0xCC", "a fill byte 0x00..0xFF such as 0xCC, or none"});
        k.put("uds.n-timeout", new String[] {"1000ms", "a duration from 1ms to 60s (ISO-TP N_Bs / N_Cr; the standard's "
                + "value is 1000ms)"});
        k.put("power.source", new String[] {"can", "can, stdin or file:<path>"});
        k.put("power.silence-off", new String[] {"3s", DURATION});
        k.put("power.id", new String[] {"0x3C0", "a CAN identifier in hex"});
        k.put("power.dlc", new String[] {"8", "1..8"});
        k.put("power.byte", new String[] {"0", "a byte index below power.dlc"});
        k.put("power.bit", new String[] {"0", "the field's least significant bit, 0..7"});
        k.put("power.bits", new String[] {"4", "the field's width in bits, 1..8"});
        k.put("power.values", new String[] {"OFF:0,ACC:1,ON:2,START:3", "MODE:value pairs for OFF, ACC, ON, START"});
        k.put("modem.port", new String[] {null, "the modem's AT serial port, e.g. /dev/ttyUSB2"});
        k.put("modem.baud", new String[] {"115200", "a baud rate such as 115200"});
        k.put("modem.dialect", new String[] {"auto", "auto, GENERIC, QUECTEL or SIMCOM"});
        k.put("modem.apn", new String[] {null, "an APN: dot-separated labels of letters, digits and '-'"});
        k.put("modem.apn.user", new String[] {"", "the APN user (with modem.apn.auth PAP or CHAP)"});
        k.put("modem.apn.password", new String[] {"", "the APN password (with modem.apn.auth PAP or CHAP)"});
        k.put("modem.apn.auth", new String[] {"NONE", "NONE, PAP or CHAP"});
        k.put("terminal.id", new String[] {"", "a terminal id: 1-64 characters A-Z a-z 0-9 . _ - starting with a letter "
                + "or digit; with TLS optional and, when set, equal to the CN of the certificate in mqtt.cert-file; "
                + "required with a tcp:// broker (it is then the MQTT client id and user name)"});
        k.put("terminal.model", new String[] {"vinbind-terminal", "the terminal's model as its logins report it: 1-64 "
                + "characters A-Z a-z 0-9 space . _ : / + -"});
        k.put("mqtt.broker", new String[] {null, "ssl://host:port or mqtts://host:port (mutual TLS), port 1-65535; "
                + "tcp://host:port only on loopback (127.0.0.1, ::1, localhost) or with mqtt.insecure-plaintext = true"});
        k.put("mqtt.ca-file", new String[] {"", "the PEM file of the CA certificate(s) the broker's certificate must "
                + "chain to (the OEM's service CA), e.g. /etc/vinbind/ca.pem" + TLS_ONLY});
        k.put("mqtt.cert-file", new String[] {"", "the PEM file of this terminal's certificate (CN=<terminalId>, "
                + "OU=vinbind-terminal, clientAuth) followed by its issuers, e.g. /etc/vinbind/terminal.pem" + TLS_ONLY});
        k.put("mqtt.key-file", new String[] {"", "the PEM file of the certificate's private key: unencrypted PKCS#8 "
                + "(BEGIN PRIVATE KEY), EC or RSA, owned by the daemon's user, mode 0600, e.g. /etc/vinbind/terminal.key"
                + TLS_ONLY});
        k.put("mqtt.insecure-plaintext", new String[] {"false", "true or false; true allows a tcp:// broker that is "
                + "not on loopback: no TLS, anyone on the path can read and forge the terminal's traffic"});
        k.put("mqtt.keep-alive", new String[] {"30s", "a whole number of seconds from 1s to 65535s (18h 12m 15s): MQTT "
                + "keep-alive is a 16-bit number of seconds (MQTT-3.1.2.10)"});
        k.put("data.dir", new String[] {null, "a directory for the state file, or a path where one can be made "
                + "(relative paths: to the config file)"});
        k.put("vin.mode", new String[] {"STRICT", "STRICT (GB 16735 / North America) or LENIENT (Europe)"});
        k.put("vin.reads", new String[] {"4", "reads per attempt to get two equal ones, 2..20"});
        k.put("timeout.vin-read", new String[] {"6s", DURATION + ", longer than uds.timeout"});
        k.put("timeout.sim-ready", new String[] {"20s", DURATION});
        k.put("timeout.identify", new String[] {"30s", DURATION + ", longer than timeout.sim-ready"});
        k.put("timeout.registration", new String[] {"150s", DURATION});
        k.put("timeout.attach", new String[] {"180s", DURATION + ", longer than timeout.registration"});
        k.put("timeout.connect", new String[] {"20s", DURATION});
        k.put("timeout.login-ack", new String[] {"15s", DURATION});
        k.put("timeout.bind-ack", new String[] {"20s", DURATION});
        k.put("retry.initial", new String[] {"2s", DURATION});
        k.put("retry.max", new String[] {"5m", DURATION + ", at least retry.initial"});
        k.put("retry.multiplier", new String[] {"2.0", "a number from 1 to 10"});
        k.put("retry.jitter", new String[] {"0.2", "a fraction from 0 to 1"});
        k.put("retry.max-attempts", new String[] {"12", "attempts per power cycle, 1..1000"});
        k.put("service.poll", new String[] {"5s", DURATION});
        return java.util.Collections.unmodifiableMap(k);
    }

    private static final String TLS_ONLY = " (required with an ssl:// or mqtts:// broker, empty with tcp://)";
    private static final String DURATION = "a positive duration such as 500ms, 6s, 5m, 1h or PT6S";
    /** Longest duration any key takes unless its own limit is lower: a day is far beyond any sane bound. */
    static final Duration MAX_DURATION = Duration.ofHours(24);
    /** MQTT-3.1.2.10: the keep-alive is a two-byte number of seconds. */
    static final Duration MAX_KEEP_ALIVE = Duration.ofSeconds(0xFFFF);
    private static final Pattern SIMPLE_DURATION = Pattern.compile("([0-9]{1,9})\\s*(ms|s|m|h)");

    /** Keys older versions read, with what replaced them: refused with that explanation, not as unknown keys. */
    static final Map<String, String> RETIRED = Map.of(
            "mqtt.client-id-prefix", "no such key any more: the MQTT client id is the terminal id (the CN of the "
                    + "certificate in mqtt.cert-file, or terminal.id with a tcp:// broker); remove the line",
            "mqtt.username", "no such key any more: the terminal authenticates with its certificate (mqtt.cert-file, "
                    + "mqtt.key-file); with a tcp:// broker the user name is terminal.id; remove the line",
            "mqtt.password", "no such key any more: the terminal authenticates with its certificate (mqtt.cert-file, "
                    + "mqtt.key-file) and sends no password; remove the line");

    /**
     * Loads {@code file}; relative paths in it are resolved against its directory. The file must be UTF-8 (a
     * byte order mark is skipped) and name each key once.
     *
     * @throws ConfigException a refused value, an unknown or repeated key
     * @throws IOException     the file cannot be read or is not UTF-8 text
     */
    public static TerminalConfig load(Path file) throws ConfigException, IOException {
        Properties p = PropertiesFile.read(file);
        Path base = file.toAbsolutePath().getParent();
        return fromProperties(p, base);
    }

    /** Builds a configuration from properties; relative paths resolve against {@code base}. */
    public static TerminalConfig fromProperties(Properties props, Path base) throws ConfigException {
        Set<String> unknown = new TreeSet<>(props.stringPropertyNames());
        unknown.removeAll(KEYS.keySet());
        for (String key : unknown) {
            if (RETIRED.containsKey(key)) {
                throw new ConfigException(key, props.getProperty(key), RETIRED.get(key));
            }
        }
        if (!unknown.isEmpty()) {
            String key = unknown.iterator().next();
            throw new ConfigException(key, props.getProperty(key), "one of the known keys (see terminal.properties): "
                    + nearest(key));
        }
        Values v = new Values(props);

        CanSpec can = v.parse("can.channel", CanSpec::parse);
        CanId request = v.parse("uds.request-id", CanId::parse);
        CanId response = v.parse("uds.response-id", CanId::parse);
        if (request.equals(response)) {
            throw new ConfigException("uds.response-id", v.raw("uds.response-id"), KEYS.get("uds.response-id")[1]);
        }
        // our duration syntax, ranges and messages; can-bus parses the same forms
        v.duration("uds.p2", Duration.ofMillis(1), Duration.ofMillis(0xFFFF));
        v.duration("uds.p2-star", Duration.ofMillis(10), Duration.ofMillis(10L * 0xFFFF));
        v.duration("uds.timeout");
        v.duration("uds.n-timeout", Duration.ofMillis(1), Duration.ofSeconds(60));
        String padding = v.raw("uds.padding").trim();
        if (!padding.equalsIgnoreCase("none")) {
            int fill = v.parse("uds.padding", Integer::decode);
            if (fill < 0 || fill > 0xFF) {
                throw new ConfigException("uds.padding", v.raw("uds.padding"), KEYS.get("uds.padding")[1]);
            }
        }
        Properties udsProps = new Properties();
        for (String k : new String[] {"uds.request-id", "uds.response-id", "uds.p2", "uds.p2-star", "uds.timeout",
            "uds.padding", "uds.n-timeout"}) {
            udsProps.setProperty(k, v.raw(k).trim());
        }
        UdsClientConfig uds;
        try {
            uds = UdsClientConfig.fromProperties(udsProps); // the keys the can-bus tools read too
        } catch (IllegalArgumentException e) {
            String key = keyNamedIn(e.getMessage(), "uds.padding", "uds.request-id", "uds.response-id", "uds.p2-star",
                    "uds.p2", "uds.timeout", "uds.n-timeout");
            throw new ConfigException(key, v.raw(key), KEYS.get(key)[1] + " ("
                    + ConfigException.printable(e.getMessage()) + ")");
        }
        Duration udsOverall = uds.overall();

        PowerSourceSpec power;
        String source = v.raw("power.source").trim();
        if (source.equals("can")) {
            Properties layoutProps = new Properties();
            for (String k : new String[] {"power.id", "power.dlc", "power.byte", "power.bit", "power.bits",
                "power.values"}) {
                layoutProps.setProperty(k, v.raw(k));
            }
            PowerModeLayout layout;
            try {
                layout = PowerModeLayout.fromProperties(layoutProps);
            } catch (IllegalArgumentException e) {
                String key = powerKeyOf(e.getMessage());
                throw new ConfigException(key, v.raw(key), KEYS.get(key)[1] + " ("
                    + ConfigException.printable(e.getMessage()) + ")");
            }
            power = new PowerSourceSpec.Can(layout, v.duration("power.silence-off"));
        } else if (source.equals("stdin")) {
            power = new PowerSourceSpec.Stdin();
        } else if (source.startsWith("file:") && source.length() > "file:".length()) {
            power = new PowerSourceSpec.File(base.resolve(source.substring("file:".length())));
        } else {
            throw new ConfigException("power.source", source, KEYS.get("power.source")[1]);
        }

        int baud = v.integer("modem.baud", 300, 4_000_000);
        SerialConfig serial = v.parse("modem.port", port -> SerialConfig.of(port).withBaudRate(baud));
        String dialectText = v.raw("modem.dialect").trim();
        Optional<Dialect> dialect = dialectText.equalsIgnoreCase("auto") ? Optional.empty()
                : Optional.of(v.parse("modem.dialect", t -> Dialect.valueOf(t.trim().toUpperCase(Locale.ROOT))));
        Apn.Auth auth = v.parse("modem.apn.auth", t -> Apn.Auth.valueOf(t.trim().toUpperCase(Locale.ROOT)));
        String apnName = v.parse("modem.apn", String::trim);
        Apn apn;
        try {
            apn = new Apn(apnName, Apn.PdpType.IP, v.raw("modem.apn.user"), v.raw("modem.apn.password"), auth);
        } catch (IllegalArgumentException e) {
            String key = e.getMessage().contains("user") ? "modem.apn.user" : "modem.apn";
            throw new ConfigException(key, v.raw(key), KEYS.get(key)[1] + " ("
                    + ConfigException.printable(e.getMessage()) + ")");
        }

        URI broker = v.parse("mqtt.broker", TerminalConfig::brokerUri);
        Duration keepAlive = v.duration("mqtt.keep-alive", Duration.ofSeconds(1), MAX_KEEP_ALIVE);
        if (keepAlive.getNano() != 0) {
            throw new ConfigException("mqtt.keep-alive", v.raw("mqtt.keep-alive"), KEYS.get("mqtt.keep-alive")[1]);
        }

        Path dataDir = base.resolve(v.parse("data.dir", (String t) -> Path.of(t))).normalize();
        checkDataDir(dataDir, v.raw("data.dir"));

        VinPolicy mode = v.parse("vin.mode", t -> VinPolicy.valueOf(t.trim().toUpperCase(Locale.ROOT)));
        int reads = v.integer("vin.reads", 2, 20);
        Duration vinRead = v.duration("timeout.vin-read");
        v.longer("timeout.vin-read", vinRead, "uds.timeout", udsOverall);
        Duration simReady = v.duration("timeout.sim-ready");
        Duration identify = v.duration("timeout.identify");
        v.longer("timeout.identify", identify, "timeout.sim-ready", simReady);
        Duration registration = v.duration("timeout.registration");
        Duration attach = v.duration("timeout.attach");
        v.longer("timeout.attach", attach, "timeout.registration", registration);
        Duration initial = v.duration("retry.initial");
        Duration max = v.duration("retry.max");
        if (max.compareTo(initial) < 0) {
            throw new ConfigException("retry.max", v.raw("retry.max"), KEYS.get("retry.max")[1]);
        }
        RetryPolicy retry = new RetryPolicy(initial, max, v.decimal("retry.multiplier", 1.0, 10.0),
                v.decimal("retry.jitter", 0.0, 1.0), v.integer("retry.max-attempts", 1, 1000));
        MachineConfig machine = new MachineConfig(mode, vinRead, reads, MachineConfig.defaults().vinReadGap(),
                identify, attach, v.duration("timeout.connect"), v.duration("timeout.login-ack"),
                v.duration("timeout.bind-ack"), retry, v.duration("service.poll"));

        // the broker's identity rules last: they read files, so every plain syntax error is reported first
        boolean insecure = v.bool("mqtt.insecure-plaintext");
        String terminalId;
        Optional<MqttTls> tls;
        Optional<String> configuredId = Optional.of(v.raw("terminal.id").trim()).filter(s -> !s.isEmpty());
        if (configuredId.isPresent() && !Identifiers.isTerminalId(configuredId.get())) {
            throw new ConfigException("terminal.id", v.raw("terminal.id"), KEYS.get("terminal.id")[1]);
        }
        if (isTls(broker)) {
            if (insecure) {
                throw new ConfigException("mqtt.insecure-plaintext", v.raw("mqtt.insecure-plaintext"), "false with an "
                        + broker.getScheme() + ":// broker: it only allows a plaintext tcp:// broker off loopback");
            }
            Path ca = v.tlsFile("mqtt.ca-file", base);
            Path cert = v.tlsFile("mqtt.cert-file", base);
            Path key = v.tlsFile("mqtt.key-file", base);
            v.credential("mqtt.ca-file", () -> TerminalTls.readTrustAnchors(ca));
            List<X509Certificate> chain = v.credential("mqtt.cert-file", () -> TerminalCredential.readChain(cert));
            TerminalCredential credential = v.credential("mqtt.key-file",
                    () -> TerminalCredential.withKey(cert, chain, key));
            terminalId = credential.terminalId();
            if (configuredId.isPresent() && !configuredId.get().equals(terminalId)) {
                throw new ConfigException("terminal.id", v.raw("terminal.id"), "the terminal id the certificate in "
                        + "mqtt.cert-file (" + ConfigException.printable(cert.toString()) + ") names, its CN '"
                        + terminalId + "' (or no terminal.id at all)");
            }
            tls = Optional.of(new MqttTls(ca, cert, key));
        } else {
            if (!insecure && !isLoopback(broker.getHost())) {
                throw new ConfigException("mqtt.broker", v.raw("mqtt.broker"), "ssl://host:port or mqtts://host:port "
                        + "(mutual TLS with mqtt.ca-file, mqtt.cert-file, mqtt.key-file): a plaintext tcp:// broker is "
                        + "allowed only on loopback (127.0.0.1, ::1, localhost) or with mqtt.insecure-plaintext = true");
            }
            for (String k : new String[] {"mqtt.ca-file", "mqtt.cert-file", "mqtt.key-file"}) {
                if (!v.raw(k).isBlank()) {
                    throw new ConfigException(k, v.raw(k), "empty with a tcp:// broker: TLS needs ssl://host:port "
                            + "or mqtts://host:port in mqtt.broker");
                }
            }
            if (configuredId.isEmpty()) {
                throw new ConfigException("terminal.id", null, "a terminal id (1-64 characters A-Z a-z 0-9 . _ - "
                        + "starting with a letter or digit) with a tcp:// broker, which sees no certificate: it is the "
                        + "MQTT client id and user name");
            }
            terminalId = configuredId.get();
            tls = Optional.empty();
        }

        String model = v.raw("terminal.model").strip();
        if (!Identifiers.isModelText(model)) {
            throw new ConfigException("terminal.model", v.raw("terminal.model"), KEYS.get("terminal.model")[1]);
        }
        return new TerminalConfig(can, uds, power, serial, dialect, apn, simReady, registration, broker,
                terminalId, tls, insecure, keepAlive, dataDir, machine, model);
    }

    /** Reads only {@code data.dir} (for commands that need nothing else). */
    public static Path dataDirOf(Path configFile) throws ConfigException, IOException {
        Properties p = PropertiesFile.read(configFile);
        String dir = p.getProperty("data.dir");
        if (dir == null || dir.isBlank()) {
            throw new ConfigException("data.dir", dir, KEYS.get("data.dir")[1]);
        }
        Path resolved;
        try {
            resolved = configFile.toAbsolutePath().getParent().resolve(dir.trim()).normalize();
        } catch (InvalidPathException e) {
            throw new ConfigException("data.dir", dir, KEYS.get("data.dir")[1] + " ("
                    + ConfigException.printable(e.getMessage()) + ")");
        }
        checkDataDir(resolved, dir);
        return resolved;
    }

    /**
     * A data directory that is a file, or lies under one, is a configuration error (exit 2: fix the file), not
     * a start failure the service manager would retry every 10 s for ever. A missing one is made at start.
     */
    private static void checkDataDir(Path dir, String raw) throws ConfigException {
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.exists(p)) {
                if (!Files.isDirectory(p)) {
                    throw new ConfigException("data.dir", raw, KEYS.get("data.dir")[1] + "; " + p
                            + (p.equals(dir) ? " is a file" : " is a file, not a directory to make it in"));
                }
                return;
            }
        }
    }

    static URI brokerUri(String text) {
        URI uri;
        try {
            uri = new URI(text.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!Set.of("tcp", "ssl", "mqtts").contains(scheme) || uri.getHost() == null || uri.getPort() == -1) {
            throw new IllegalArgumentException("scheme ssl, mqtts or tcp, host and port are required");
        }
        if (uri.getPort() < 1 || uri.getPort() > 0xFFFF) {
            throw new IllegalArgumentException("port " + uri.getPort() + " is not 1-65535");
        }
        if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null
                || (uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !uri.getRawPath().equals("/"))) {
            throw new IllegalArgumentException("nothing but scheme, host and port (user and password have keys of "
                    + "their own)");
        }
        return uri;
    }

    /** Whether the broker URI asks for TLS ({@code ssl://}, {@code mqtts://}). */
    public static boolean isTls(URI broker) {
        String scheme = broker.getScheme() == null ? "" : broker.getScheme().toLowerCase(Locale.ROOT);
        return scheme.equals("ssl") || scheme.equals("mqtts");
    }

    /**
     * Whether a broker host is this machine: {@code localhost}, or an address literal in 127.0.0.0/8 or
     * {@code ::1}. Names are not resolved (a start must not wait for DNS, and a name that resolves to
     * loopback today may not tomorrow).
     */
    static boolean isLoopback(String host) {
        if (host == null) {
            return false;
        }
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (h.equalsIgnoreCase("localhost")) {
            return true;
        }
        if (!h.contains(":") && !IPV4.matcher(h).matches()) {
            return false; // a name: never resolved
        }
        try {
            return InetAddress.getByName(h).isLoopbackAddress(); // an address literal: no lookup
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static final Pattern IPV4 = Pattern.compile("[0-9]{1,3}(\\.[0-9]{1,3}){3}");

    /** Parses {@code 500ms}, {@code 6s}, {@code 5m}, {@code 1h} or ISO-8601 {@code PT6S}. */
    static Duration parseDuration(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        Matcher m = SIMPLE_DURATION.matcher(t);
        Duration d;
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            d = switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                default -> Duration.ofHours(n);
            };
        } else {
            try {
                d = Duration.parse(text.trim());
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("not a duration", e);
            }
        }
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("not positive");
        }
        if (d.getNano() % 1_000_000 != 0) {
            throw new IllegalArgumentException("finer than a millisecond");
        }
        return d;
    }

    /** {@code 24h}, {@code 60s}, {@code 1500ms}: the shortest unit that is exact. */
    static String human(Duration d) {
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }

    private static String nearest(String unknown) {
        String prefix = unknown.contains(".") ? unknown.substring(0, unknown.indexOf('.') + 1) : unknown;
        String[] same = KEYS.keySet().stream().filter(k -> k.startsWith(prefix)).toArray(String[]::new);
        return same.length > 0 ? String.join(", ", same) : String.join(", ", KEYS.keySet());
    }

    private static String keyNamedIn(String message, String... keys) {
        for (String k : keys) {
            if (message != null && message.contains(k + "=")) {
                return k;
            }
        }
        return keys[keys.length - 1];
    }

    /** Which power.* key a {@link PowerModeLayout} complaint is about. */
    private static String powerKeyOf(String message) {
        String m = message == null ? "" : message;
        for (String k : new String[] {"power.values", "power.bits", "power.bit", "power.byte", "power.dlc", "power.id"}) {
            if (m.contains(k + "=") || m.contains(k + " ") || m.contains(k + ":") || m.endsWith(k)) {
                return k;
            }
        }
        if (m.contains("DLC")) {
            return "power.dlc";
        }
        if (m.contains("byte index")) {
            return "power.byte";
        }
        if (m.contains("bit field")) {
            return "power.bits";
        }
        if (m.contains("value")) {
            return "power.values";
        }
        return "power.id";
    }

    /** A check of TLS files (tls package) that may refuse them. */
    @FunctionalInterface
    private interface CredentialCheck<T> {
        T run() throws CredentialException;
    }

    /** The properties with defaults applied, and typed getters that name the key on failure. */
    private static final class Values {
        private final Properties props;

        Values(Properties props) {
            this.props = props;
        }

        String raw(String key) {
            String[] spec = KEYS.get(key);
            String value = props.getProperty(key);
            if (value == null) {
                value = spec[0];
            }
            return value;
        }

        <T> T parse(String key, Function<String, T> parser) throws ConfigException {
            String value = raw(key);
            if (value == null || value.isBlank()) {
                throw new ConfigException(key, props.getProperty(key), KEYS.get(key)[1]);
            }
            try {
                return parser.apply(value.trim());
            } catch (IllegalArgumentException e) {
                throw new ConfigException(key, value, KEYS.get(key)[1]
                        + (e.getMessage() == null ? "" : " (" + ConfigException.printable(e.getMessage()) + ")"));
            }
        }

        /** A duration from 1 ms to {@link #MAX_DURATION}. */
        Duration duration(String key) throws ConfigException {
            return duration(key, Duration.ofMillis(1), MAX_DURATION);
        }

        /** A duration within [min, max]; the key's expectation names the range when it is not the default one. */
        Duration duration(String key, Duration min, Duration max) throws ConfigException {
            Duration d = parse(key, TerminalConfig::parseDuration);
            if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
                String expected = KEYS.get(key)[1];
                throw new ConfigException(key, raw(key), expected.startsWith(DURATION)
                        ? expected + ", at most " + human(max) : expected);
            }
            return d;
        }

        int integer(String key, int min, int max) throws ConfigException {
            int n = parse(key, Integer::parseInt);
            if (n < min || n > max) {
                throw new ConfigException(key, raw(key), KEYS.get(key)[1]);
            }
            return n;
        }

        double decimal(String key, double min, double max) throws ConfigException {
            double d = parse(key, Double::parseDouble);
            if (!(d >= min && d <= max)) {
                throw new ConfigException(key, raw(key), KEYS.get(key)[1]);
            }
            return d;
        }

        boolean bool(String key) throws ConfigException {
            String t = raw(key).trim().toLowerCase(Locale.ROOT);
            if (t.equals("true")) {
                return true;
            }
            if (t.equals("false")) {
                return false;
            }
            throw new ConfigException(key, raw(key), KEYS.get(key)[1]);
        }

        /** A TLS file an {@code ssl://} broker requires; relative paths resolve against {@code base}. */
        Path tlsFile(String key, Path base) throws ConfigException {
            String t = raw(key).trim();
            if (t.isEmpty()) {
                throw new ConfigException(key, null, KEYS.get(key)[1]);
            }
            try {
                return base.resolve(t).normalize();
            } catch (InvalidPathException e) {
                throw new ConfigException(key, raw(key), KEYS.get(key)[1] + " ("
                        + ConfigException.printable(e.getMessage()) + ")");
            }
        }

        /** Runs a TLS file check; a refusal becomes the key's {@link ConfigException} with the reason. */
        <T> T credential(String key, CredentialCheck<T> check) throws ConfigException {
            try {
                return check.run();
            } catch (CredentialException e) {
                // the message is already escaped where it quotes a path, a subject or a JDK message
                throw new ConfigException(key, raw(key), KEYS.get(key)[1] + " (" + e.getMessage() + ")");
            }
        }

        void longer(String key, Duration value, String otherKey, Duration other) throws ConfigException {
            if (value.compareTo(other) <= 0) {
                throw new ConfigException(key, raw(key), "longer than " + otherKey + " ("
                        + ConfigException.printable(raw(otherKey)) + ")");
            }
        }
    }

    @Override
    public String toString() {
        return "TerminalConfig[can " + canChannel + ", UDS " + uds.addressing() + ", power " + power + ", modem "
                + modemSerial.portPath() + " " + modemDialect.map(Enum::name).orElse("auto") + " APN '" + apn.name()
                + "', broker " + mqttBroker + " as terminal " + terminalId + (mqttTls.isPresent() ? " (mutual TLS)"
                        : insecurePlaintext ? " (INSECURE plaintext)" : " (plaintext, loopback)") + ", data " + dataDir + ", VIN " + machine.vinMode() + "]";
    }

    /** Keys in the order of {@link #KEYS}, for help texts. */
    public static String[] keyNames() {
        return KEYS.keySet().toArray(String[]::new);
    }
}
