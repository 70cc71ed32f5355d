package io.vinbind.hil.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vinbind.can.vehicle.PowerMode;
import io.vinbind.hil.bench.Bench;
import io.vinbind.hil.bench.BenchException;
import io.vinbind.hil.bench.CanTransport;
import io.vinbind.hil.bench.Identities;
import io.vinbind.hil.bench.Impostor;
import io.vinbind.hil.bench.ModemTransport;
import io.vinbind.hil.bench.ServerApi;
import io.vinbind.hil.bench.ServerBackend;
import io.vinbind.hil.bench.TransitionLog;
import io.vinbind.modem.link.SocatPtyPair;
import io.vinbind.modem.sim.Identity;
import io.vinbind.modem.sim.ModemSimulator;
import io.vinbind.protocol.BindOutcome;
import io.vinbind.protocol.InvalidVinException;
import io.vinbind.protocol.Vin;
import io.vinbind.protocol.VinPolicy;
import io.vinbind.terminal.state.StateReading;
import io.vinbind.terminal.state.TerminalState;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./vinbind demo}: the whole job on embedded defaults in one process, with a readable timeline. It
 * starts the binding server (embedded MQTT broker on a free port, H2 in a temporary directory), the
 * smart-key ECU simulator, the modem simulator (an eUICC simulator as its card) and the terminal daemon; turns the
 * ignition to ACC and shows the binding; replaces the modem and shows the REBOUND and the history; lets an impostor
 * fail; shows presence; has the SM-DP+ simulator's profile provisioned to the eUICC by the server's engine and
 * shows the binding following the new IMSI; then removes everything it made.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Runs the whole VIN <-> modem binding on this machine, with no setup, and explains what happens.",
            "",
            "Starts: the SM-DP+ simulator (ES2+/ES9+ over HTTPS), the binding server (embedded MQTT 5 broker on a "
                + "free 127.0.0.1 port, H2 database and HTTP API in a temporary directory, the SM-DP+ as its operator "
                + "platform), the smart-key ECU simulator, the modem simulator with an eUICC simulator as its card and "
                + "the real terminal daemon. Then:",
            "  1. first ignition (ACC) after assembly: the terminal reads the VIN over CAN (UDS 0x22 F190), "
                + "checks its check digit, brings the modem up (SIM, IMSI, registration, data), logs in and "
                + "uploads; the server binds and acks; the flag is cleared. The binding is shown as the "
                + "server's HTTP API returns it.",
            "  2. the modem is replaced (a new IMSI/ICCID/IMEI, registered at the factory) and the ignition "
                + "turned again: the terminal notices, uploads again, the server answers REBOUND; the history "
                + "is shown.",
            "  3. an impostor with a genuine terminal certificate of its own tries to speak for this terminal: "
                + "publish a bind on its topics, read its acks, take its client id, connect without a "
                + "certificate, read the HTTP API without a token; every attempt is refused and the binding "
                + "stays as it was.",
            "  4. presence: the terminal is online with the heartbeat interval a row of the limits table set "
                + "(5 s instead of the default 60 s), its heartbeats are counted per window, and at ignition OFF it "
                + "is offline at once (its last heartbeat says POWER_OFF); the demo's fleet back end (an HTTP server on "
                + "127.0.0.1) receives the ONLINE and OFFLINE events through the server's presence webhook.",
            "  5. eSIM: the operator's profile list is imported and a provisioning job opened for the terminal; "
                + "every step the server's engine records is printed as it happens (the eUICC inspected, the ES2+ "
                + "order, the ES9+ download relayed over MQTT and AT to the card, the enable, the notifications, "
                + "DONE); the card refreshes, the terminal uploads the new IMSI and the binding follows it (REBOUND, "
                + "history PROFILE_SWITCHED).",
            "Every step is printed with the milliseconds since the ignition. At the end every process, "
                + "thread and temporary file the demo made is removed (unless --keep-running).",
            ""},
        footerHeading = "%nTransports:%n",
        footer = {
            "  pty     CAN through two SLCAN adapters on a socat pty pair, the modem's AT port on another pty "
                + "pair, both opened through jSerialComm: the serial path real adapters and USB modems take. "
                + "Needs socat.",
            "  in-jvm  CAN on the in-JVM virtual bus, AT on an in-memory serial link: no operating-system "
                + "transport.",
            "  auto    pty when socat is installed, otherwise in-jvm (with a note).",
            "",
            "Logs go to stderr: quiet unless --verbose (or VINBIND_LOG_LEVEL=debug|info|warn)."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:the demo ran and cleaned up", "1:a step failed (the reason is printed on stderr)",
            "2:bad command line"})
public final class DemoCli implements Callable<Integer> {

    /** Which transports the demo uses. */
    enum TransportChoice { AUTO, PTY, IN_JVM }

    private static final Duration STEP_BOUND = Duration.ofSeconds(60);
    /** How long a Ctrl-C waits for the clean-up before the JVM ends anyway. */
    private static final Duration SHUTDOWN_BOUND = Duration.ofSeconds(20);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--transport", defaultValue = "auto", paramLabel = "auto|pty|in-jvm",
            converter = TransportConverter.class,
            description = "CAN and modem transports (default ${DEFAULT-VALUE}; see Transports below)")
    TransportChoice transport;

    @Option(names = "--seed", paramLabel = "<n>",
            description = "seed of the generated VIN and modem identities (default: the clock; printed, so a run "
                + "can be repeated)")
    Long seed;

    @Option(names = "--vin", paramLabel = "<VIN>",
            description = "the vehicle's VIN (17 characters, ISO 3779, correct check digit); default: generated")
    String vin;

    @Option(names = "--keep-running",
            description = "after the demo keep everything running (server HTTP API, simulators, daemon) until "
                + "Ctrl-C, to look around with curl or the other ./vinbind commands")
    boolean keepRunning;

    @Option(names = {"-v", "--verbose"}, description = "show the modules' logs on stderr (info level)")
    boolean verbose;

    @Spec
    CommandSpec spec;

    /** Set by the shutdown hook of --keep-running: the JVM is exiting, System.exit would block. */
    private static volatile boolean stoppedBySignal;

    private final PrintStream out;

    DemoCli(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) {
        quietLogsUnlessAsked(args);
        CommandLine cli = new CommandLine(new DemoCli(System.out)).setCaseInsensitiveEnumValuesAllowed(true);
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("demo: " + e.getMessage());
            return 1;
        });
        int exit = cli.execute(args);
        if (!stoppedBySignal) {
            System.exit(exit); // HiveMQ leaves non-daemon threads; after a signal the JVM is exiting already
        }
    }

    /**
     * The launcher sets the log level to info; the demo's own output is the timeline, so without
     * {@code --verbose} (and without an explicit VINBIND_LOG_LEVEL) only errors reach stderr. Must run before
     * the first log call, which is when tinylog reads its configuration.
     */
    private static void quietLogsUnlessAsked(String[] args) {
        boolean verbose = List.of(args).contains("-v") || List.of(args).contains("--verbose");
        String asked = System.getenv("VINBIND_LOG_LEVEL");
        if (!verbose && (asked == null || asked.isBlank())) {
            System.setProperty("tinylog.writer.level", "error");
        }
    }

    @Override
    public Integer call() throws Exception {
        long runSeed = seed != null ? seed : System.currentTimeMillis();
        Identities ids = new Identities(runSeed);
        String vehicleVin = vin != null ? checkedVin(vin) : ids.vin();
        boolean socat = SocatPtyPair.socatAvailable();
        boolean pty = switch (transport) {
            case PTY -> {
                if (!socat) {
                    throw new BenchException("--transport pty needs socat (apt-get install socat), which is not on the PATH");
                }
                yield true;
            }
            case IN_JVM -> false;
            case AUTO -> socat;
        };
        out.println("vinbind demo: automatic VIN <-> modem binding, end to end (seed " + runSeed + ")");
        if (transport == TransportChoice.AUTO && !socat) {
            out.println("note: socat is not installed, so the demo uses in-JVM transports "
                    + "(install socat for CAN and AT over real pty pairs)");
        }
        long started = System.nanoTime();
        // the demo owns its directory: the SM-DP+ simulator's CA certificate goes there before the bench's server
        // starts (the server reads its operator platforms at start), and it is removed after the bench is closed
        Path workDir = Files.createTempDirectory("vinbind-demo-");
        try (EsimChapter esim = EsimChapter.start(workDir, runSeed); BackEnd backEnd = BackEnd.start()) {
            Identity firstModem = ids.modem();
            esim.newEuicc(firstModem);
            Bench.Builder builder = Bench.builder().name("demo").seed(runSeed).identities(ids).vin(vehicleVin)
                    .backend(ServerBackend.EMBEDDED).workDir(workDir).platforms(List.of(esim.platform()))
                    .presence(io.vinbind.server.presence.PresenceSettings.DEFAULT.withWebhook(backEnd.target()))
                    .modemIdentity(firstModem).modemSim(c -> c.withCard(esim.card()))
                    .can(pty ? CanTransport.SLCAN_PTY : CanTransport.IN_JVM)
                    .modem(pty ? ModemTransport.PTY : ModemTransport.IN_JVM);
            try (Bench bench = builder.build()) {
                describeSetup(bench, pty, esim);
                limitsRow(bench);
                firstIgnition(bench);
                modemReplaced(bench, ids.modem(), esim);
                impostor(bench, ids);
                presence(bench, backEnd);
                esim.run(bench, out, pty ? "pty" : "in-jvm");
                if (keepRunning) {
                    keepRunning(bench);
                }
                out.println();
                out.printf(Locale.ROOT, "demo done in %.1f s; stopping the daemon, simulators, socat, SM-DP+ and server...%n",
                        (System.nanoTime() - started) / 1e9);
            }
        } finally {
            Bench.deleteTree(workDir);
        }
        out.println("cleaned up: " + workDir + (Files.exists(workDir) ? " could not be removed completely" : " removed"));
        return 0;
    }

    private void describeSetup(Bench bench, boolean pty, EsimChapter esim) {
        out.println();
        out.println("bench:");
        out.println("  server    embedded MQTT 5 broker " + bench.server().mqttUri() + " (TLS, client certificates"
                + " required), H2 database in " + bench.server().dataDir() + ", HTTP API " + bench.server().httpBaseUri()
                + " (bearer tokens; the first admin token is in " + bench.server().dataDir().resolve("admin.token") + ")");
        out.println("  dashboard " + bench.server().httpBaseUri() + "/ui/ (sign in with an API token; --keep-running leaves it up)");
        out.println("  PKI       test PKI made on first start in " + bench.server().dataDir().resolve("pki")
                + ": terminal CA, service CA, the server's certificate");
        out.println("  network   terminal -> " + bench.link().tlsUri() + " -> broker (a relay standing for the cellular data"
                + " path; TLS runs end to end through it)");
        out.println("  CAN       " + (pty ? CanTransport.SLCAN_PTY.description() + ": terminal opens " + bench.terminalCanSpec()
                : CanTransport.IN_JVM.description()));
        out.println("  ECU       smart-key ECU simulator, UDS 0x740/0x748, VIN " + bench.vin());
        out.println("  modem     simulator (Quectel EG25 persona), " + (pty ? ModemTransport.PTY.description()
                + ": terminal opens " + bench.terminalModemPort() : ModemTransport.IN_JVM.description()));
        Identity id = bench.modemIdentity();
        out.println("            IMSI " + id.imsi() + "  ICCID " + id.iccid() + "  IMEI " + id.imei()
                + "  (registered at the factory)");
        out.println("            its card is an eUICC (simulator, EID " + esim.euicc().eid() + ") whose enabled bootstrap"
                + " profile carries that IMSI and ICCID");
        out.println("  SM-DP+    " + esim.describe());
        out.println("  terminal  terminal-core daemon, terminal id " + bench.terminalId() + " (certificate CN=" + bench.terminalId()
                + " from the terminal CA), state file " + bench.stateFile());
    }

    private void firstIgnition(Bench bench) throws IOException {
        out.println();
        out.println("== 1. first ignition after assembly: ignition -> ACC");
        StateReading before = bench.readState();
        out.println("  state file: " + (before instanceof StateReading.Missing
                ? "none (terminal fresh from assembly) -> VIN-request flag SET, reason ASSEMBLY" : describe(before)));
        TransitionLog.Bound bound = ignite(bench);
        expect(bound.outcome() == BindOutcome.BOUND, "the first binding should be BOUND, was " + bound.outcome());
        out.println("  state file: " + describe(bench.readState()));
        showBinding(bench);
    }

    private void modemReplaced(Bench bench, Identity newModem, EsimChapter esim) throws IOException {
        out.println();
        out.println("== 2. the modem is replaced: ignition OFF, new modem with SIM, ignition -> ACC");
        int off = bench.log().mark();
        bench.ignition(PowerMode.OFF);
        bench.log().awaitEnter(off, io.vinbind.terminal.machine.BindingState.OFF, STEP_BOUND);
        Identity old = bench.modemIdentity();
        String eid = esim.newEuicc(newModem).eid(); // the new modem brings its own eUICC
        bench.replaceModem(newModem, true);
        out.println("  old modem IMSI " + old.imsi() + "; new modem IMSI " + newModem.imsi() + "  ICCID "
                + newModem.iccid() + "  IMEI " + newModem.imei() + " (registered at the factory; its eUICC " + eid + ")");
        TransitionLog.Bound bound = ignite(bench);
        expect(bound.outcome() == BindOutcome.REBOUND, "after a modem swap the server should answer REBOUND, was "
                + bound.outcome());
        out.println("  state file: " + describe(bench.readState()));
        showBinding(bench);
        ServerApi.Reply history = bench.api().get("/history/vin/" + bench.vin());
        out.println("  history:  GET /history/vin/" + bench.vin() + " -> HTTP " + history.status());
        for (ServerApi.HistoryRow row : bench.api().historyOfVin(bench.vin())) {
            out.printf(Locale.ROOT, "    #%-4d %s  %-8s IMSI %s  VIN %s%s%s%n", row.id(), row.at(), row.event(),
                    row.imsi().orElse("-"), row.vin().orElse("-"),
                    row.previousImsi().map(p -> "  (previous IMSI " + p + ")").orElse(""),
                    row.reason().map(r -> "  reason " + r).orElse(""));
        }
    }

    private void impostor(Bench bench, Identities ids) {
        out.println();
        out.println("== 3. an impostor tries to speak for terminal " + bench.terminalId());
        Impostor impostor = new Impostor(bench.server(), ids.terminalId());
        String victim = bench.terminalId();
        String imsi = bench.modemIdentity().imsi().value();
        ServerApi.BindingView before = bench.api().bindingOfVin(bench.vin()).orElseThrow();
        out.println("  impostor " + impostor.ownId() + " holds a genuine terminal certificate of its own (say, from a"
                + " scrapped head unit)");
        String otherVin = ids.vin();
        int puback = impostor.publishBindAs(victim, imsi, otherVin);
        out.println("  publish a bind of VIN " + otherVin + " on " + io.vinbind.protocol.Topics.bind(victim) + " -> "
                + mqttCode(puback));
        expect(puback != 0, "the broker accepted a bind published on another terminal's topic");
        int suback = impostor.subscribeToAcksOf(victim);
        out.println("  subscribe to " + io.vinbind.protocol.Topics.bindAck(victim) + " -> " + mqttCode(suback));
        expect(suback > 2 || suback == Impostor.CONNECTION_CLOSED,
                "the broker let a terminal subscribe to another terminal's acks");
        int connack = impostor.connectWithClientIdOf(victim);
        out.println("  connect with client id " + victim + " (to take over its session) -> " + mqttCode(connack));
        expect(connack != 0, "the broker let a terminal connect under another terminal's client id");
        String noCert = impostor.connectWithoutCertificate();
        out.println("  connect without a client certificate -> " + (noCert == null ? "ACCEPTED" : "refused (" + noCert + ")"));
        expect(noCert != null, "the broker accepted a TLS connection without a client certificate");
        ServerApi.Reply anonymous = bench.api().getAnonymous("/bindings/vin/" + bench.vin());
        out.println("  HTTP GET /bindings/vin/" + bench.vin() + " without a token -> HTTP " + anonymous.status());
        expect(anonymous.status() == 401, "the HTTP API answered a request without credentials: " + anonymous.status());
        ServerApi.BindingView after = bench.api().bindingOfVin(bench.vin()).orElseThrow();
        expect(after.imsi().equals(before.imsi()) && after.boundAt().equals(before.boundAt()),
                "the binding changed during the impostor's attempts: " + after.json());
        expect(bench.api().bindingOfVin(otherVin).isEmpty(), "the forged VIN " + otherVin + " got bound");
        out.println("  server:   binding unchanged: VIN " + after.vin() + " <-> IMSI " + after.imsi() + " (bound "
                + after.boundAt() + "); VIN " + otherVin + " unbound");
    }

    private static String mqttCode(int code) {
        return switch (code) {
            case 0 -> "ACCEPTED (0x00)";
            case 1, 2 -> "granted (QoS " + code + ")";
            case 0x85 -> "refused: 0x85 client identifier not valid";
            case 0x86 -> "refused: 0x86 bad user name or password";
            case 0x87 -> "refused: 0x87 not authorized";
            case Impostor.CONNECTION_CLOSED -> "refused: the broker closed the connection";
            default -> "refused: 0x" + Integer.toHexString(code);
        };
    }

    private TransitionLog.Bound ignite(Bench bench) {
        int mark = bench.log().mark();
        long t0 = System.nanoTime();
        bench.ignition(PowerMode.ACC);
        TransitionLog.Bound bound = bench.log().awaitBindAck(mark, STEP_BOUND);
        Timeline.lines(bench.log().since(mark), t0).forEach(out::println);
        ModemSimulator.Status modem = bench.modem().status();
        out.println("  modem:    SIM " + modem.simCard() + ", IMSI " + modem.identity().imsi() + ", registration "
                + modem.registration() + ", data context " + (modem.dataActive() ? "up" : "down") + " (APN '"
                + modem.apn() + "')");
        return bound;
    }

    /** A row of the limits table for every terminal of the demo's server, so chapter 4 need not wait a minute. */
    private void limitsRow(Bench bench) {
        ServerApi.Reply put = bench.api().put("/presence/limits/demo-fast", "{\"priority\":10,\"minHeartbeats\":0,"
                + "\"heartbeatIntervalS\":5,\"sendIntervalS\":5,\"storageRecords\":100}");
        expect(put.status() == 201, "the limits row was not created: HTTP " + put.status() + " " + put.body());
        out.println("  limits    row demo-fast of the presence limits table: every terminal heartbeats every 5 s"
                + " and sends its status records every 5 s (the server's defaults are 60 s and 300 s)");
    }

    private void presence(Bench bench, BackEnd backEnd) throws IOException {
        out.println();
        out.println("== 4. presence: the terminal keeps its session while powered and heartbeats");
        if (!bench.ignition().isPowered()) {
            bench.ignition(PowerMode.ACC);
        }
        String path = "/presence/terminals/" + bench.terminalId();
        JsonNode p = awaitJson(bench, path, n -> n.path("online").asBoolean(false)
                && n.at("/limits/heartbeatIntervalS").asInt() == 5);
        out.println("  GET " + path + " -> online since " + p.path("since").asText() + ", last seen "
                + p.path("lastSeen").asText());
        out.println("  limits pushed with the heartbeat answers: heartbeat every " + p.at("/limits/heartbeatIntervalS").asInt()
                + " s, status records every " + p.at("/limits/sendIntervalS").asInt() + " s, " + p.at("/limits/storageRecords").asInt()
                + " kept (rule " + p.path("limitRule").asText("defaults") + ", version " + p.path("configVersion").asInt() + ")");
        JsonNode windows = awaitJson(bench, path + "/windows", n -> n.size() > 0 && n.get(0).path("heartbeats").asInt() >= 2);
        out.println("  heartbeats counted in the window " + windows.get(0).path("start").asText() + " .. "
                + windows.get(0).path("end").asText() + ": " + windows.get(0).path("heartbeats").asInt());
        // a status record carries the radio as the modem reported it (AT+CSQ, +CEREG): the first may predate the read
        JsonNode records = awaitJson(bench, path + "/records", n -> withRadio(n) != null);
        JsonNode rec = withRadio(records);
        JsonNode f = rec.path("facts");
        out.println("  status record n=" + rec.path("n").asInt() + " taken " + rec.path("at").asText() + ": power "
                + f.path("power").asText() + ", state " + f.path("state").asText() + ", signal " + f.path("rssi").asText()
                + " dBm, registration " + f.path("reg").asText() + " (" + f.path("reg_domain").asText() + ", "
                + f.path("act").asText("-") + ")");
        out.println("  ignition OFF: the daemon sends a last POWER_OFF heartbeat, then a clean DISCONNECT");
        bench.ignition(PowerMode.OFF);
        JsonNode off = awaitJson(bench, path, n -> n.has("online") && !n.path("online").asBoolean(true));
        JsonNode events = JSON.readTree(bench.api().get(path + "/events").body());
        JsonNode last = events.get(events.size() - 1);
        expect("POWER_OFF".equals(last.path("cause").asText()), "the terminal went offline by " + last);
        out.println("  GET " + path + " -> offline since " + off.path("since").asText() + " (" + last.path("event").asText()
                + ", cause " + last.path("cause").asText() + "; a silent terminal would go by timeout after "
                + JSON.readTree(bench.api().get("/presence").body()).path("timeoutS").asInt() + " s)");
        JsonNode delivered = backEnd.await(last.path("id").asLong(), Duration.ofSeconds(15));
        expect(delivered != null, "the back end received event " + last.path("id").asLong() + " through the webhook"
                + " within 15 s (it got " + backEnd.count() + ")");
        out.println("  webhook   the fleet back end " + backEnd.target().url() + " received " + backEnd.count()
                + " events in " + backEnd.requests() + " POSTs (bearer token checked), the last: #"
                + delivered.path("id").asLong() + " " + delivered.path("terminalId").asText() + " "
                + delivered.path("event").asText() + " " + delivered.path("cause").asText());
    }

    /**
     * The demo's fleet back end: an HTTP server on 127.0.0.1 that takes the presence webhook's POSTs (with the bearer
     * token it expects), as an OEM's back end would, and keeps the events it got.
     */
    static final class BackEnd implements AutoCloseable {
        private final com.sun.net.httpserver.HttpServer http;
        private final String token = "demo-back-end-" + Long.toHexString(new java.security.SecureRandom().nextLong());
        private final java.util.Map<Long, JsonNode> events = new java.util.concurrent.ConcurrentHashMap<>();
        private final java.util.concurrent.atomic.AtomicInteger requests = new java.util.concurrent.atomic.AtomicInteger();

        private BackEnd(com.sun.net.httpserver.HttpServer http) {
            this.http = http;
        }

        static BackEnd start() throws IOException {
            com.sun.net.httpserver.HttpServer h = com.sun.net.httpserver.HttpServer.create(
                    new java.net.InetSocketAddress("127.0.0.1", 0), 0);
            BackEnd b = new BackEnd(h);
            h.createContext("/fleet/presence", x -> {
                try {
                    if (!("Bearer " + b.token).equals(x.getRequestHeaders().getFirst("Authorization"))) {
                        x.sendResponseHeaders(401, -1);
                        return;
                    }
                    JsonNode body;
                    try {
                        body = JSON.readTree(x.getRequestBody().readAllBytes());
                    } catch (IOException e) {
                        x.sendResponseHeaders(400, -1);
                        return;
                    }
                    body.path("events").forEach(e -> b.events.put(e.path("id").asLong(), e));
                    b.requests.incrementAndGet();
                    x.sendResponseHeaders(204, -1);
                } finally {
                    x.close();
                }
            });
            h.start();
            return b;
        }

        io.vinbind.server.presence.EventWebhook.Target target() {
            return new io.vinbind.server.presence.EventWebhook.Target(java.net.URI.create("http://127.0.0.1:"
                    + http.getAddress().getPort() + "/fleet/presence"), java.util.Optional.of(token),
                    java.util.Optional.empty());
        }

        int count() {
            return events.size();
        }

        int requests() {
            return requests.get();
        }

        /** Event {@code id} once it arrived, waiting up to {@code bound}; null when it did not. */
        JsonNode await(long id, Duration bound) {
            long until = System.nanoTime() + bound.toNanos();
            while (System.nanoTime() < until) {
                JsonNode e = events.get(id);
                if (e != null) {
                    return e;
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return null;
                }
            }
            return events.get(id);
        }

        @Override
        public void close() {
            http.stop(0);
        }
    }

    /** The newest status record that carries the radio's facts, or null. */
    private static JsonNode withRadio(JsonNode records) {
        for (JsonNode r : records) {
            if (r.at("/facts/rssi").isTextual()) {
                return r;
            }
        }
        return null;
    }

    private JsonNode awaitJson(Bench bench, String path, java.util.function.Predicate<JsonNode> done) throws IOException {
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        JsonNode last = null;
        while (System.nanoTime() < until) {
            ServerApi.Reply r = bench.api().get(path);
            if (r.status() == 200) {
                last = JSON.readTree(r.body());
                if (done.test(last)) {
                    return last;
                }
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BenchException("interrupted waiting for " + path, e);
            }
        }
        throw new BenchException("GET " + path + " did not show what the demo waits for within 30 s; last: " + last);
    }

    private void showBinding(Bench bench) throws IOException {
        ServerApi.Reply r = bench.api().get("/bindings/vin/" + bench.vin());
        out.println("  server:   GET " + bench.server().httpBaseUri() + "/bindings/vin/" + bench.vin() + " -> HTTP "
                + r.status());
        JsonNode n = JSON.readTree(r.body());
        for (String line : JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n).split("\n")) {
            out.println("            " + line);
        }
    }

    private void keepRunning(Bench bench) throws InterruptedException {
        out.println();
        out.println("keeping everything running; press Ctrl-C to stop and clean up. Try:");
        String auth = "-H \"Authorization: Bearer $(cat " + bench.server().dataDir().resolve("admin.token") + ")\" ";
        out.println("  curl " + auth + bench.server().httpBaseUri() + "/bindings/vin/" + bench.vin());
        out.println("  curl " + auth + bench.server().httpBaseUri() + "/history/imsi/" + bench.modemIdentity().imsi());
        out.println("  curl " + auth + bench.server().httpBaseUri() + "/terminals/" + bench.terminalId());
        out.println("  the dashboard: open " + bench.server().httpBaseUri() + "/ui/ and sign in with the token in "
            + bench.server().dataDir().resolve("admin.token"));
        CountDownLatch stop = new CountDownLatch(1);
        Thread main = Thread.currentThread();
        Thread hook = new Thread(() -> {
            stoppedBySignal = true;
            stop.countDown();
            try {
                main.join(SHUTDOWN_BOUND.toMillis()); // the main thread closes the bench and reports
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "demo-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        stop.await();
        out.println();
        out.println("stopping (signal received)");
    }

    private static String describe(StateReading reading) {
        if (reading instanceof StateReading.Present p) {
            TerminalState s = p.state();
            String flag = s.vinRequest().map(r -> "flag SET (" + r.reason() + ")").orElse("flag clear");
            return flag + s.lastBound().map(b -> ", bound VIN " + b.vin() + " <-> IMSI " + b.imsi()).orElse(", never bound");
        }
        if (reading instanceof StateReading.Missing) {
            return "none";
        }
        return "unusable: " + ((StateReading.Corrupt) reading).problem();
    }

    private static void expect(boolean condition, String failure) {
        if (!condition) {
            throw new BenchException(failure);
        }
    }

    private String checkedVin(String text) {
        try {
            return Vin.parse(text.trim(), VinPolicy.STRICT).value();
        } catch (InvalidVinException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--vin " + text + ": " + e.getMessage());
        }
    }

    /** Accepts {@code auto}, {@code pty}, {@code in-jvm} (any case). */
    static final class TransportConverter implements CommandLine.ITypeConverter<TransportChoice> {
        @Override
        public TransportChoice convert(String value) {
            return switch (value.trim().toLowerCase(Locale.ROOT)) {
                case "auto" -> TransportChoice.AUTO;
                case "pty" -> TransportChoice.PTY;
                case "in-jvm", "injvm", "in_jvm" -> TransportChoice.IN_JVM;
                default -> throw new CommandLine.TypeConversionException(
                        "'" + value + "' is not a transport: use auto, pty or in-jvm");
            };
        }
    }
}
