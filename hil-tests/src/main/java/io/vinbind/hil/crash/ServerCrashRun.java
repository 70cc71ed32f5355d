package io.vinbind.hil.crash;

import com.fasterxml.jackson.databind.JsonNode;
import io.vinbind.hil.bench.Bench;
import io.vinbind.hil.bench.BenchException;
import io.vinbind.hil.bench.Identities;
import io.vinbind.hil.bench.ServerApi;
import io.vinbind.hil.perf.PrivateMosquitto;
import io.vinbind.hil.perf.RawMqtt;
import io.vinbind.modem.sim.Identity;
import io.vinbind.protocol.BindAck;
import io.vinbind.protocol.BindOutcome;
import io.vinbind.protocol.BindRequest;
import io.vinbind.protocol.JsonCodec;
import io.vinbind.protocol.LoginAck;
import io.vinbind.protocol.LoginOutcome;
import io.vinbind.protocol.LoginRequest;
import io.vinbind.protocol.MessageType;
import io.vinbind.protocol.ProtocolException;
import io.vinbind.protocol.ReasonCode;
import io.vinbind.protocol.TopicAddress;
import io.vinbind.protocol.Topics;
import io.vinbind.protocol.UploadReason;
import io.vinbind.server.cli.ServerCli;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tinylog.Logger;

/**
 * The server crash test (issue #11): the binding server as a separate JVM ({@link ServerProcess}) under a burst of
 * logins and binds from simulated terminals, SIGKILLed at a chosen point of the burst, restarted on the same data
 * directory, and checked: <em>no answer a terminal received is lost</em>, and every request that got none converges
 * when retried.
 *
 * <p>Backends: {@link Backend#EMBEDDED} (the server's defaults: embedded HiveMQ CE inside the server process, H2
 * file in the data directory; the broker dies with the server and the terminals reconnect) and
 * {@link Backend#POSTGRES} (a private Mosquitto on a free port that outlives the kill and redelivers to the restarted
 * server's persistent session, same {@code --instance-id}; PostgreSQL in a fresh schema). Terminals are registered at
 * the factory before the first start ({@code server import-modems}, the CLI path).
 *
 * <p>A round: N terminals (a third of them new ones off the line each round) each log in and then upload 2–4 VINs
 * of their own, one request at a time, each with a unique requestId (the first upload of a new terminal is answered
 * BOUND, a change of VIN REBOUND, the same VIN again ALREADY_BOUND: the run predicts every answer). Some new
 * terminals are fitted to the vehicle of a terminal that left the run: their first upload takes its VIN (REBOUND,
 * the old IMSI's pair released in the same transaction). Every answer is
 * recorded with the moment it arrived. The server is killed at a point the round aims for ({@link Aim}): before the
 * first answers, when a random share of the burst is answered, 0–1.5 s after the burst's last answer, or 0.1–1.2 s
 * after a single bind answered alone after the burst. Then, on the restarted server:
 * <ol>
 *   <li>before any terminal sends anything: each terminal's live binding ({@code GET /bindings/imsi}) is the VIN of
 *       the last bind answered BOUND/REBOUND/ALREADY_BOUND (or that of its one request still unanswered, which the
 *       server may have decided without the answer getting out); every BOUND/REBOUND answered, in any round, has
 *       exactly one history row with its requestId ({@code GET /history/imsi}); every IMSI whose login was answered
 *       ACCEPTED has its login on record ({@code GET /modems/{imsi}});</li>
 *   <li>each terminal resumes: its unanswered request is sent again with the same requestId, then the rest, then one
 *       more bind from every terminal whose login was accepted before the kill (without logging in again: it must not
 *       get NOT_LOGGED_IN); every answer must be the predicted one;</li>
 *   <li>every request of the round is replayed with its requestId: the ack must be identical (outcome, reason, VIN),
 *       and the server must have answered each replay from its stored answer ({@code login.replayed} and
 *       {@code bind.replayed} grow by the number of replays);</li>
 *   <li>the final state: each terminal's IMSI is bound to the VIN it last uploaded, and of its VINs only that one is
 *       bound (one live binding per IMSI and per VIN).</li>
 * </ol>
 * A kill point is survived when none of these found a difference. Seeded: the seed is printed, and the same seed
 * repeats the choices (the machine's timing still varies where a kill lands).
 */
public final class ServerCrashRun {

    /** Where the server keeps its state and which broker it uses. */
    public enum Backend {
        /** Embedded HiveMQ CE inside the server process and an H2 file: the server's defaults. */
        EMBEDDED("embedded HiveMQ CE + H2 file"),
        /** A private Mosquitto that outlives the kill, and PostgreSQL (a fresh schema per run). */
        POSTGRES("private Mosquitto + PostgreSQL");

        private final String description;

        Backend(String description) {
            this.description = description;
        }

        @Override
        public String toString() {
            return description;
        }
    }

    /** Where in the burst a kill is aimed. */
    public enum Aim {
        /** A random moment in the first 70 % of the time the first answer took in earlier rounds. */
        BEFORE_ANSWERS,
        /** When a random share (10–90 %) of the burst's requests are answered. */
        MID_BURST,
        /** 0–1500 ms after the burst's last answer. */
        AFTER_BURST,
        /** 100–1200 ms after a single bind, sent alone after the burst, was answered. */
        AFTER_SINGLE
    }

    /** PostgreSQL the CI machine provides (trust authentication). */
    public static final String POSTGRES_URL = "jdbc:postgresql://127.0.0.1:5432/test";
    public static final String POSTGRES_USER = "postgres";
    /**
     * Small heap, serial GC, C1 only: a server JVM that starts quickly on a loaded machine. And TCP_NODELAY on the
     * HTTP API's sockets ({@code sun.net.httpserver.nodelay}): the JDK server writes a response's headers and body
     * apart, so without it a keep-alive client (the JDK's HttpClient, as {@link ServerApi} uses) waits ~40 ms for
     * the delayed ACK on every request; the checks make several hundred.
     */
    public static final List<String> DEFAULT_SERVER_JVM = List.of("-Xmx256m", "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1", "-Dsun.net.httpserver.nodelay=true");

    /**
     * @param backend       broker and database
     * @param killPoints    SIGKILLs in the run (1..10,000), one per round
     * @param terminals     simulated terminals per round (1..2,000)
     * @param seed          seed of every choice (printed; repeat a run with it)
     * @param logDir        receives {@code server-crash-<backend>.log} (every server's output) and the progress lines
     * @param serverJvm     options of the server JVM
     * @param postgresUrl   PostgreSQL database (POSTGRES backend)
     * @param postgresUser  its user (trust authentication)
     * @param restartBound  how long a (re)started server may take to print that it is ready
     * @param convergeBound how long the terminals may take to get every answer after the restart
     */
    public record Settings(Backend backend, int killPoints, int terminals, long seed, Path logDir,
            List<String> serverJvm, String postgresUrl, String postgresUser, Duration restartBound,
            Duration convergeBound) {
        public Settings {
            Objects.requireNonNull(backend, "backend");
            if (killPoints < 1 || killPoints > 10_000) {
                throw new IllegalArgumentException("kill points must be 1..10000, got " + killPoints);
            }
            if (terminals < 1 || terminals > 2_000) {
                throw new IllegalArgumentException("terminals must be 1..2000, got " + terminals);
            }
            Objects.requireNonNull(logDir, "logDir");
            serverJvm = List.copyOf(serverJvm);
            Objects.requireNonNull(postgresUrl, "postgresUrl");
            Objects.requireNonNull(postgresUser, "postgresUser");
            Objects.requireNonNull(restartBound, "restartBound");
            Objects.requireNonNull(convergeBound, "convergeBound");
        }

        public static Settings of(Backend backend, int killPoints, int terminals, long seed, Path logDir) {
            return new Settings(backend, killPoints, terminals, seed, logDir, DEFAULT_SERVER_JVM, POSTGRES_URL,
                    POSTGRES_USER, Duration.ofSeconds(90), Duration.ofSeconds(60));
        }

        public Path serverLog() {
            return logDir.resolve("server-crash-" + backend.name().toLowerCase(java.util.Locale.ROOT) + ".log");
        }
    }

    /**
     * One SIGKILL and what the restarted server was found to hold.
     *
     * @param index             1-based
     * @param aim               where it was aimed
     * @param msAfterFirstSend  when it landed, after the burst's first request
     * @param burstRequests     requests of the burst (logins and binds, the single bind included)
     * @param sentBeforeKill    of those, sent before the kill
     * @param answeredBeforeKill of those, answered before the kill
     * @param msAfterLastAnswer when the burst (and the single bind) was wholly answered before the kill: how long
     *                          after its last answer the kill landed
     * @param answersWhileDying answers that arrived after the kill was decided and before the process was gone
     * @param answersRedelivered answers that arrived after the restart and before any terminal sent anything again:
     *                          the restarted server answering requests the broker redelivered to its session
     * @param unansweredAtKill  requests sent and unanswered at the kill (each is retried with its requestId)
     * @param answersChecked    answers compared with a replay after the restart
     * @param lostAnswers       answers found lost: a BOUND/REBOUND without its history row, an ACCEPTED login not on
     *                          record, a live binding behind the last answered bind, a bind replay decided anew
     * @param restartMillis     SIGKILL to the restarted server's ready line
     * @param phases            how long the steps after the restart took
     * @param violations        what did not hold; empty when the kill point was survived
     */
    public record KillPoint(int index, Aim aim, long msAfterFirstSend, int burstRequests, int sentBeforeKill,
            int answeredBeforeKill, OptionalLong msAfterLastAnswer, int answersWhileDying, int answersRedelivered,
            int unansweredAtKill,
            int answersChecked, int lostAnswers, long restartMillis, Phases phases, List<String> violations) {
        public KillPoint {
            Objects.requireNonNull(aim, "aim");
            Objects.requireNonNull(phases, "phases");
            Objects.requireNonNull(msAfterLastAnswer, "msAfterLastAnswer");
            violations = List.copyOf(violations);
        }

        public boolean survived() {
            return violations.isEmpty();
        }

        /** Where it landed: {@code before the first answer}, {@code mid-burst}, {@code after the burst}. */
        public String landed() {
            if (answeredBeforeKill == 0) {
                return "before the first answer";
            }
            if (msAfterLastAnswer.isPresent()) {
                return "after the burst";
            }
            return "mid-burst";
        }

        public String describe(int of, Backend backend) {
            return String.format("kill %d/%d [%s] %s: %d ms after the burst's first request, %s; %d of %d requests "
                            + "sent, %d answered%s (%d more while it died, %d redelivered after the restart), %d "
                            + "unanswered; restart %.1f s (%s); %d answers replayed and identical; %s%s",
                    index, of, backend.name().toLowerCase(java.util.Locale.ROOT), aim, msAfterFirstSend, landed(),
                    sentBeforeKill, burstRequests, answeredBeforeKill,
                    msAfterLastAnswer.isPresent() ? " (last " + msAfterLastAnswer.getAsLong() + " ms before the kill)" : "",
                    answersWhileDying, answersRedelivered, unansweredAtKill, restartMillis / 1000.0, phases, answersChecked,
                    survived() ? "survived" : violations.size() + " VIOLATIONS",
                    lostAnswers == 0 ? "" : ", " + lostAnswers + " answers lost");
        }
    }

    /** Milliseconds the checks after a restart took: stored state, convergence, replays, final state. */
    public record Phases(long stored, long converge, long replay, long finalState) {
        @Override
        public String toString() {
            return String.format("checks %.1f s, convergence %.1f s, replays %.1f s, final state %.1f s", stored / 1e3,
                    converge / 1e3, replay / 1e3, finalState / 1e3);
        }
    }

    /**
     * What a run found.
     *
     * @param violations every violation (those of the kill points, then those of the final sweep)
     * @param outcomes   first answers by outcome, over the run
     */
    public record Report(Backend backend, long seed, int terminals, List<KillPoint> points, List<String> violations,
            Map<String, Integer> outcomes, int terminalsUsed, int takeovers, Duration elapsed) {
        public Report {
            points = List.copyOf(points);
            violations = List.copyOf(violations);
            outcomes = Map.copyOf(outcomes);
            Objects.requireNonNull(elapsed, "elapsed");
        }

        public long survived() {
            return points.stream().filter(KillPoint::survived).count();
        }

        public long answersChecked() {
            return points.stream().mapToLong(KillPoint::answersChecked).sum();
        }

        public long lostAnswers() {
            return points.stream().mapToLong(KillPoint::lostAnswers).sum();
        }

        public long answeredBeforeKills() {
            return points.stream().mapToLong(KillPoint::answeredBeforeKill).sum();
        }

        public Map<String, Integer> landed() {
            Map<String, Integer> m = new TreeMap<>();
            points.forEach(p -> m.merge(p.landed(), 1, Integer::sum));
            return m;
        }

        public Map<Aim, Integer> aims() {
            Map<Aim, Integer> m = new EnumMap<>(Aim.class);
            points.forEach(p -> m.merge(p.aim(), 1, Integer::sum));
            return m;
        }

        public String summary() {
            return String.format("server crash test [%s] seed %d: %d of %d kill points survived, %d violations, "
                            + "%d answers found lost; %d terminals per round (%d in all, %d of them fitted to the vehicle of "
                            + "one that left); kills aimed %s, landed %s; %d answers received before the kills, %d answers "
                            + "replayed and compared; first answers by outcome %s; %.1f s",
                    backend, seed, survived(), points.size(), violations.size(), lostAnswers(), terminals, terminalsUsed,
                    takeovers, aims(),
                    landed(), answeredBeforeKills(), answersChecked(), new TreeMap<>(outcomes),
                    elapsed.toMillis() / 1000.0);
        }
    }

    /** Why the POSTGRES backend cannot run here (as a JUnit skip reason), or null when it can. */
    public static String postgresUnavailableReason(String url, String user) {
        String mosquitto = PrivateMosquitto.securedUnavailableReason();
        if (mosquitto != null) {
            return "skipped: " + mosquitto + " (the PostgreSQL run needs a private Mosquitto with vinbind's ACL plugin "
                    + "that outlives the killed server)";
        }
        DriverManager.setLoginTimeout(5);
        try (Connection c = DriverManager.getConnection(url, user, "")) {
            return null;
        } catch (SQLException e) {
            return "skipped: no PostgreSQL at " + url + " for user " + user + " (" + e.getMessage() + ")";
        }
    }

    // ------------------------------------------------------------------------------------------------ model

    private enum Kind { LOGIN, BIND }

    /** Where a round is when an answer arrives. */
    private enum Stage {
        /** Before the kill. */
        RUNNING,
        /** The kill is decided; the process may still be sending. */
        DYING,
        /** The process is gone (and restarted); no terminal has sent anything again. */
        RESTARTED,
        /** The terminals resumed: retries, the rest of their requests, replays. */
        RESUMED
    }

    /** An answer as the terminal received it. */
    private record Ans(String outcome, ReasonCode reason, String vin, long nanos, Stage stage) {
        boolean sameAs(Ans o) {
            return outcome.equals(o.outcome) && reason == o.reason && vin.equals(o.vin);
        }

        String text() {
            return outcome + (reason == ReasonCode.NONE ? "" : "/" + reason) + (vin.isEmpty() ? "" : " VIN " + vin);
        }
    }

    /** One request: sent one or more times with the same requestId. */
    private static final class Req {
        final String id;
        final Kind kind;
        final Term term;
        final String vin; // "" for a login
        final int round;
        final byte[] payload;
        final String topic;
        String expectedOutcome; // set at the first send, from the model
        long firstSent;
        long lastSent;
        int sends;
        Ans first;
        boolean answeredBeforeKill;
        boolean replaySent;
        long replayLastSent;
        int replaySends;
        Ans replay;

        Req(String id, Kind kind, Term term, String vin, int round) {
            this.id = id;
            this.kind = kind;
            this.term = term;
            this.vin = vin;
            this.round = round;
            Identity m = term.modem;
            if (kind == Kind.LOGIN) {
                this.topic = Topics.login(term.terminalId);
                this.payload = JsonCodec.encode(LoginRequest.of(id, term.terminalId, term.imsi, m.iccid().value(),
                        m.imei().value()));
            } else {
                this.topic = Topics.bind(term.terminalId);
                this.payload = JsonCodec.encode(BindRequest.of(id, term.terminalId, term.imsi, m.iccid().value(),
                        m.imei().value(), vin,
                        term.everBound ? UploadReason.VIN_CHANGED
                                : term.inherited ? UploadReason.TERMINAL_REPLACED : UploadReason.ASSEMBLY));
            }
        }

        String describe(long killNanos) {
            String when = first == null ? "unanswered"
                    : "answered " + first.text() + (killNanos == 0 ? ""
                    : " " + Math.abs(killNanos - first.nanos) / 1_000_000 + " ms "
                    + (first.nanos <= killNanos ? "before" : "after") + " the kill");
            return kind.name().toLowerCase(java.util.Locale.ROOT) + " " + id + (vin.isEmpty() ? "" : " (VIN " + vin + ")")
                    + ", " + when;
        }
    }

    /** A simulated terminal and what the server must hold for it. */
    private static final class Term {
        final int index;
        final Identity modem;
        final String imsi;
        /** Its terminal id: client id, certificate CN (embedded broker) and topic level. */
        final String terminalId;
        /** How it connects: its own certificate on the TLS broker, made at its first connect. */
        RawMqtt.ConnectOptions options;
        /** Its own VINs; the first may be inherited from a terminal it replaced in that vehicle. */
        final List<String> vins;
        /** The VIN the server must hold for this IMSI after every answered bind; null for none. */
        String currentVin;
        boolean everBound;
        boolean loginAccepted;
        boolean loginAcceptedBeforeKill;
        /** Took over the vehicle (first VIN) of a terminal that left: its first upload releases that pair. */
        boolean inherited;
        /** Every bind answered BOUND or REBOUND, over all rounds: each has one history row. */
        final List<Req> boundAnswers = new ArrayList<>();
        final List<Req> sent = new ArrayList<>();
        RawMqtt.Connection conn;
        int connections;
        List<Req> program = new ArrayList<>();
        int next;
        Req outstanding;
        int seq;

        Term(int index, Identity modem, List<String> vins, String runId) {
            this.index = index;
            this.modem = modem;
            this.imsi = modem.imsi().value();
            this.terminalId = "CR-" + runId + "-" + index;
            this.vins = new ArrayList<>(vins);
        }

        boolean done() {
            return outstanding == null && next >= program.size();
        }
    }

    private static final Duration STEP_BOUND = Duration.ofSeconds(60);
    private static final Duration CONNECT_BOUND = Duration.ofSeconds(30);
    private static final Duration RESEND_AFTER = Duration.ofSeconds(4);
    private static final int MAX_SENDS = 6;
    private static final Pattern REPLAYED_LINE = Pattern.compile("bind (\\S+) of \\d+ replayed");
    private static final List<Aim> DECK = List.of(Aim.BEFORE_ANSWERS, Aim.MID_BURST, Aim.MID_BURST, Aim.AFTER_BURST,
            Aim.AFTER_BURST, Aim.AFTER_SINGLE);

    private final Settings settings;
    private final Consumer<String> progress;
    private final Random random;
    private final Identities ids;
    private final String runId;
    private final List<Term> pool = new ArrayList<>();
    private final Map<String, Term> byImsi = new HashMap<>();
    private final Set<String> allVins = new HashSet<>();
    /** The model's live bindings from the VIN side: which terminal holds each VIN. */
    private final Map<String, Term> vinHolder = new HashMap<>(); // guarded by this
    private final Map<String, Req> requests = new HashMap<>(); // guarded by this
    private final List<KillPoint> points = new ArrayList<>();
    private final List<String> violations = new ArrayList<>(); // guarded by this
    private final Map<String, Integer> outcomes = new TreeMap<>(); // guarded by this
    private final List<Aim> deck = new ArrayList<>();
    private List<Term> active = new ArrayList<>();
    private int used; // terminals of the pool taken into rounds so far
    private int takeovers; // new terminals fitted to the vehicle of one that left
    private int round;
    private boolean frozen = true; // guarded by this: no request leaves while set
    private long killNanos; // guarded by this
    /** Where the round is: which answers are "before the kill", "while dying", "redelivered". */
    private Stage stage = Stage.RUNNING; // guarded by this
    private final Map<Stage, Integer> answersByStage = new EnumMap<>(Stage.class); // guarded by this
    private List<String> roundViolations = new ArrayList<>(); // guarded by this
    private Set<String> roundLost = new HashSet<>(); // guarded by this: requestIds of answers found lost
    private int roundLostLogins; // guarded by this: login replays decided anew beyond those in roundLost
    private double firstAnswerEstimateMs = 25;

    private Path runDir;
    private Path dataDir;
    /** The broker's URI as the server announced it ({@code ssl://} on the embedded broker). */
    private URI mqttUri;
    /** The server's PKI, opened at the first terminal certificate issued. */
    private io.vinbind.server.pki.TestPki pki;
    private String schema;
    private PrivateMosquitto mosquitto;
    private ServerProcess server;
    private ServerProcess.Launch launch;
    private ServerApi api;
    private RawMqtt crowd;
    private List<String> fixedArguments;

    private ServerCrashRun(Settings settings, Consumer<String> progress) {
        this.settings = settings;
        this.progress = progress;
        this.random = new Random(settings.seed());
        this.ids = new Identities(settings.seed() ^ 0x5EED_C0DEL);
        this.runId = Long.toHexString(new Random(settings.seed() ^ System.nanoTime()).nextLong() & 0xFFFF_FFFFL);
    }

    /**
     * Runs the server crash test on one backend.
     *
     * @param progress receives one line per kill point and the summary (CLI output, test log)
     * @throws BenchException when the run cannot be set up (server does not start at all, terminals cannot connect)
     */
    public static Report run(Settings settings, Consumer<String> progress) {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(progress, "progress");
        return new ServerCrashRun(settings, progress).run();
    }

    private Report run() {
        long t0 = System.nanoTime();
        progress.accept("server crash test [" + settings.backend() + "]: seed " + settings.seed()
                + " (repeat with this seed), " + settings.killPoints() + " kill points, " + settings.terminals()
                + " terminals per round, server log " + settings.serverLog());
        try {
            Files.createDirectories(settings.logDir());
            runDir = Files.createTempDirectory("vinbind-server-crash-");
            dataDir = Files.createDirectories(runDir.resolve("data"));
        } catch (IOException e) {
            throw new BenchException("cannot create the run's directories: " + e.getMessage(), e);
        }
        try {
            makePool();
            register();
            startFirst();
            URI mqtt = server.awaitReady(settings.restartBound()).mqtt();
            mqttUri = mqtt;
            crowd = new RawMqtt(new InetSocketAddress(mqtt.getHost(), mqtt.getPort()), "server-crash-terminals");
            for (int k = 1; k <= settings.killPoints(); k++) {
                KillPoint p = round(k);
                points.add(p);
                progress.accept(p.describe(settings.killPoints(), settings.backend()));
                p.violations().forEach(v -> progress.accept("  VIOLATION: " + v));
                if (server == null) {
                    break; // did not restart: nothing more to test
                }
            }
            if (server != null) {
                List<String> sweep = finalSweep();
                synchronized (this) {
                    violations.addAll(sweep);
                }
                sweep.forEach(v -> progress.accept("VIOLATION (final sweep): " + v));
                progress.accept("final sweep: " + used + " terminals: live bindings, VINs and history rows as answered"
                        + (sweep.isEmpty() ? "" : ": " + sweep.size() + " VIOLATIONS"));
            }
        } catch (IOException e) {
            throw new BenchException("cannot open the terminals' MQTT selector: " + e.getMessage(), e);
        } finally {
            cleanUp();
        }
        Report r;
        synchronized (this) {
            r = new Report(settings.backend(), settings.seed(), settings.terminals(), points, violations, outcomes, used,
                    takeovers, Duration.ofNanos(System.nanoTime() - t0));
        }
        progress.accept(r.summary());
        return r;
    }

    // ------------------------------------------------------------------------------------------------ setup

    /** Every terminal the run may use: the first round's and a third of a round's more for each kill. */
    private void makePool() {
        int n = settings.terminals();
        int fresh = Math.max(1, n / 3);
        long size = Math.min(n + (long) fresh * settings.killPoints(), Math.max(n, 20_000));
        for (int i = 0; i < size; i++) {
            Identity m;
            do {
                m = ids.modem();
            } while (byImsi.containsKey(m.imsi().value()));
            List<String> own = new ArrayList<>();
            while (own.size() < 3) {
                own.add(newVin());
            }
            Term t = new Term(i, m, own, runId);
            pool.add(t);
            byImsi.put(t.imsi, t);
        }
    }

    private String newVin() {
        String v;
        do {
            v = ids.vin();
        } while (!allVins.add(v));
        return v;
    }

    /** Factory registration of the whole pool, before the first start: {@code server import-modems}. */
    private void register() {
        StringBuilder csv = new StringBuilder("imsi,iccid,imei,batch,part_number\n");
        for (Term t : pool) {
            csv.append(t.imsi).append(',').append(t.modem.iccid().value()).append(',').append(t.modem.imei().value())
                    .append(",crash-").append(runId).append(",TBOX-CRASH\n");
        }
        Path file = runDir.resolve("modems.csv");
        List<String> args = new ArrayList<>(List.of("import-modems", file.toString()));
        args.addAll(storageArguments());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status;
        long t0 = System.nanoTime();
        try {
            Files.writeString(file, csv);
            var cl = ServerCli.commandLine();
            cl.setOut(new PrintWriter(out, true));
            cl.setErr(new PrintWriter(err, true));
            status = cl.execute(args.toArray(String[]::new));
        } catch (IOException e) {
            throw new BenchException("cannot write " + file + ": " + e.getMessage(), e);
        }
        if (status != 0) {
            throw new BenchException("server import-modems of " + pool.size() + " modems exited " + status + ": " + err
                    + lastLine(out.toString()));
        }
        progress.accept(String.format("factory registration: server import-modems, %d modems, %.0f ms: %s", pool.size(),
                (System.nanoTime() - t0) / 1e6, lastLine(out.toString())));
    }

    private static String lastLine(String s) {
        String[] lines = s.strip().split("\n");
        return lines[lines.length - 1];
    }

    /** {@code --data} and, for PostgreSQL, the database options (the same for import and server). */
    private List<String> storageArguments() {
        List<String> a = new ArrayList<>(List.of("--data", dataDir.toString()));
        if (settings.backend() == Backend.POSTGRES) {
            if (schema == null) {
                schema = "vb_crash_" + runId;
            }
            a.addAll(List.of("--db", settings.postgresUrl(), "--db-user", settings.postgresUser(), "--db-schema", schema));
        }
        return a;
    }

    private void startFirst() {
        List<String> args = new ArrayList<>(storageArguments());
        args.addAll(List.of("--http-port", "0"));
        if (settings.backend() == Backend.POSTGRES) {
            try {
                // the server's PKI first: the secured Mosquitto needs its CAs and broker certificate to listen
                io.vinbind.server.pki.TestPki.openOrCreate(dataDir.resolve("pki"));
            } catch (io.vinbind.server.pki.PkiException e) {
                throw new BenchException("cannot create the PKI in " + dataDir.resolve("pki") + ": " + e.getMessage(), e);
            }
            mosquitto = PrivateMosquitto.startSecured(runDir, dataDir.resolve("pki"));
            args.addAll(List.of("--mqtt", mosquitto.uri().toString(), "--instance-id", "crash-" + runId));
        } else {
            args.addAll(List.of("--mqtt-port", "0"));
        }
        launch = ServerProcess.Launch.likeThisJvm(settings.serverJvm(), args, settings.serverLog());
        server = ServerProcess.start(launch);
        ServerProcess.Ready ready = server.awaitReady(settings.restartBound());
        try {
            api = new ServerApi(ready.http(), Files.readString(dataDir.resolve("admin.token")).trim());
        } catch (IOException e) {
            throw new BenchException("the server wrote no admin token to " + dataDir + ": " + e.getMessage(), e);
        }
        // restarts use the ports the first start picked: terminals and the HTTP client keep their addresses
        List<String> fixed = new ArrayList<>(storageArguments());
        fixed.addAll(List.of("--http-port", Integer.toString(ready.http().getPort())));
        if (settings.backend() == Backend.POSTGRES) {
            fixed.addAll(List.of("--mqtt", mosquitto.uri().toString(), "--instance-id", "crash-" + runId));
        } else {
            fixed.addAll(List.of("--mqtt-port", Integer.toString(ready.mqtt().getPort())));
        }
        fixedArguments = fixed;
        progress.accept(String.format("server %d ready in %.1f s: mqtt %s, http %s", server.pid(),
                (ready.nanos() - server.startNanos()) / 1e9, ready.mqtt(), ready.http()));
    }

    private void cleanUp() {
        if (crowd != null) {
            crowd.close();
        }
        if (server != null) {
            server.stop();
        }
        if (mosquitto != null) {
            mosquitto.close();
        }
        if (schema != null) {
            try (Connection c = DriverManager.getConnection(settings.postgresUrl(), settings.postgresUser(), "");
                 Statement st = c.createStatement()) {
                st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            } catch (SQLException e) {
                Logger.warn("could not drop PostgreSQL schema {}: {}", schema, e.getMessage());
            }
        }
        Bench.deleteTree(runDir);
    }

    // ------------------------------------------------------------------------------------------------ a round

    private KillPoint round(int index) {
        round = index;
        synchronized (this) {
            roundViolations = new ArrayList<>();
            roundLost = new HashSet<>();
            roundLostLogins = 0;
            answersByStage.clear();
            stage = Stage.RUNNING;
            killNanos = 0;
        }
        chooseTerminals();
        connect(active);
        Aim aim = nextAim();
        List<Req> burst = new ArrayList<>();
        for (Term t : active) {
            t.program = new ArrayList<>();
            t.next = 0;
            t.outstanding = null;
            t.loginAcceptedBeforeKill = false;
            t.program.add(newRequest(t, Kind.LOGIN, ""));
            int binds = 2 + random.nextInt(3);
            String last = t.currentVin;
            for (int b = 0; b < binds; b++) {
                String vin;
                if (last == null) {
                    vin = t.inherited && b == 0 ? t.vins.get(0) : t.vins.get(random.nextInt(t.vins.size()));
                } else if (random.nextDouble() < 0.3) {
                    vin = last; // the same VIN again: ALREADY_BOUND
                } else {
                    vin = other(t, last); // REBOUND
                }
                t.program.add(newRequest(t, Kind.BIND, vin));
                last = vin;
            }
            burst.addAll(t.program);
        }
        Term single = null;
        Req singleReq = null;
        if (aim == Aim.AFTER_SINGLE) {
            single = active.get(random.nextInt(active.size()));
            singleReq = newRequest(single, Kind.BIND, other(single, lastUploaded(single)));
            burst.add(singleReq);
        }
        double share = 0.1 + 0.8 * random.nextDouble();
        double early = random.nextDouble();
        double after = random.nextDouble();

        long t0 = System.nanoTime();
        synchronized (this) {
            frozen = false;
            for (Term t : active) {
                sendNext(t);
            }
        }
        long lastAnswerBeforeKill = 0;
        switch (aim) {
            case BEFORE_ANSWERS -> sleepMillis((long) (early * 0.7 * firstAnswerEstimateMs));
            case MID_BURST -> awaitAnswers(burst, (int) Math.max(1, Math.ceil(share * burst.size())),
                    "a share of the burst answered");
            case AFTER_BURST -> {
                awaitAnswers(burst, burst.size(), "the whole burst answered");
                sleepMillis((long) (after * 1500));
            }
            case AFTER_SINGLE -> {
                awaitAnswers(burst.subList(0, burst.size() - 1), burst.size() - 1, "the whole burst answered");
                sleepMillis(200);
                synchronized (this) {
                    single.program.add(singleReq);
                    sendNext(single);
                }
                awaitAnswers(List.of(singleReq), 1, "the single bind answered");
                sleepMillis(100 + (long) (after * 1100));
            }
        }
        // ---- the kill
        int sentBefore;
        int answeredBefore;
        int unanswered;
        long firstAnswer = Long.MAX_VALUE;
        long lastAnswer = 0;
        synchronized (this) {
            frozen = true;
            stage = Stage.DYING;
            killNanos = System.nanoTime();
            sentBefore = 0;
            answeredBefore = 0;
            for (Req r : burst) {
                if (r.firstSent != 0) {
                    sentBefore++;
                }
                if (r.first != null) {
                    answeredBefore++;
                    r.answeredBeforeKill = true;
                    firstAnswer = Math.min(firstAnswer, r.first.nanos);
                    lastAnswer = Math.max(lastAnswer, r.first.nanos);
                }
            }
            unanswered = sentBefore - answeredBefore;
            for (Term t : active) {
                t.loginAcceptedBeforeKill = t.loginAccepted;
                if (settings.backend() == Backend.EMBEDDED && t.conn != null) {
                    t.conn.expectLoss(); // the broker dies with the server
                }
            }
        }
        long killAt = killNanos;
        if (answeredBefore == burst.size()) {
            lastAnswerBeforeKill = lastAnswer;
        }
        if (firstAnswer != Long.MAX_VALUE && aim != Aim.BEFORE_ANSWERS) {
            firstAnswerEstimateMs = 0.7 * firstAnswerEstimateMs + 0.3 * ((firstAnswer - t0) / 1e6);
        }
        long killedPid = server.pid();
        try {
            server.kill();
        } catch (BenchException e) {
            roundViolation("kill of server " + killedPid + ": " + e.getMessage());
        }
        synchronized (this) {
            stage = Stage.RESTARTED;
        }
        long restartMillis;
        try {
            server = ServerProcess.start(launch.withArguments(fixedArguments));
            server.awaitReady(settings.restartBound());
            restartMillis = (System.nanoTime() - killAt) / 1_000_000;
        } catch (BenchException e) {
            roundViolation("the server did not restart on its data after the kill: " + e.getMessage());
            if (server != null) {
                server.close();
            }
            server = null;
            return killPoint(index, aim, t0, killAt, burst, sentBefore, answeredBefore, lastAnswerBeforeKill,
                    unanswered, 0, 0, new Phases(0, 0, 0, 0));
        }

        // ---- 1. what the restarted server holds, before any terminal sends anything
        long p0 = System.nanoTime();
        checkStoredState(active, true);
        long p1 = System.nanoTime();

        // ---- 2. resume: unanswered requests again with their requestIds, the rest, one more bind per logged-in IMSI
        connect(active); // embedded: the broker died with the server; Mosquitto: the connections survived
        synchronized (this) {
            for (Term t : active) {
                if (t.loginAcceptedBeforeKill) {
                    t.program.add(newRequest(t, Kind.BIND, lastUploaded(t))); // must not be NOT_LOGGED_IN
                }
            }
            frozen = false;
            stage = Stage.RESUMED;
            for (Term t : active) {
                if (t.outstanding != null) {
                    send(t.outstanding);
                } else {
                    sendNext(t);
                }
            }
        }
        converge();
        long p2 = System.nanoTime();

        // ---- 3. replay every request of the round: identical answers, from the stored answers
        int checked = replayRound();
        long p3 = System.nanoTime();

        // ---- 4. the final state of each terminal of the round
        checkFinalState(active).forEach(this::roundViolation);
        boolean lost;
        synchronized (this) {
            frozen = true;
            lost = !roundViolations.isEmpty();
        }
        if (lost) {
            resync(active);
        }
        long p4 = System.nanoTime();
        return killPoint(index, aim, t0, killAt, burst, sentBefore, answeredBefore, lastAnswerBeforeKill, unanswered,
                checked, restartMillis, new Phases((p1 - p0) / 1_000_000, (p2 - p1) / 1_000_000, (p3 - p2) / 1_000_000,
                (p4 - p3) / 1_000_000));
    }

    private KillPoint killPoint(int index, Aim aim, long t0, long killAt, List<Req> burst, int sentBefore,
            int answeredBefore, long lastAnswerBeforeKill, int unanswered, int checked, long restartMillis,
            Phases phases) {
        synchronized (this) {
            violations.addAll(roundViolations);
            return new KillPoint(index, aim, Math.max(0, (killAt - t0) / 1_000_000), burst.size(), sentBefore,
                    answeredBefore, lastAnswerBeforeKill == 0 ? OptionalLong.empty()
                    : OptionalLong.of((killAt - lastAnswerBeforeKill) / 1_000_000),
                    answersByStage.getOrDefault(Stage.DYING, 0), answersByStage.getOrDefault(Stage.RESTARTED, 0),
                    unanswered, checked, roundLost.size() + roundLostLogins,
                    restartMillis, phases, roundViolations);
        }
    }

    private Aim nextAim() {
        if (deck.isEmpty()) {
            deck.addAll(DECK);
            Collections.shuffle(deck, random);
        }
        return deck.remove(deck.size() - 1);
    }

    /**
     * The round's terminals: last round's, a third of them replaced by new ones from the pool while it lasts. Some
     * new ones are fitted to the vehicle of a terminal that left: their first upload takes that VIN from the old IMSI
     * (rule 4: REBOUND, the old pair released); the old terminal, out of the run from then on, gets another VIN in
     * its place.
     */
    private void chooseTerminals() {
        int n = settings.terminals();
        List<Term> kept = new ArrayList<>(active);
        Collections.shuffle(kept, random);
        int replace = Math.min(kept.size(), Math.max(1, n / 3));
        List<Term> leaving = new ArrayList<>(kept.subList(kept.size() - replace, kept.size()));
        List<Term> next = new ArrayList<>(kept.subList(0, kept.size() - replace));
        List<Term> replacedInVehicle = new ArrayList<>();
        while (next.size() < n && used < pool.size()) {
            Term fresh = pool.get(used++);
            next.add(fresh);
            Term old = leaving.size() > replacedInVehicle.size() && random.nextDouble() < 0.4
                    ? leaving.get(replacedInVehicle.size()) : null;
            synchronized (this) {
                if (old != null && old.currentVin != null && old.vins.contains(old.currentVin)) {
                    String v = old.currentVin;
                    old.vins.set(old.vins.indexOf(v), newVin());
                    fresh.vins.set(0, v);
                    fresh.inherited = true;
                    replacedInVehicle.add(old);
                    takeovers++;
                }
            }
        }
        for (Term t : leaving) {
            if (next.size() < n && !replacedInVehicle.contains(t)) {
                next.add(t); // the pool is used up: keep veterans instead
            } else if (t.conn != null) {
                t.conn.disconnect();
                t.conn = null;
            }
        }
        active = next;
    }

    /** The VIN of the terminal's last bind in its program (its first VIN if the program has none). */
    private static String lastUploaded(Term t) {
        for (int i = t.program.size() - 1; i >= 0; i--) {
            if (t.program.get(i).kind == Kind.BIND) {
                return t.program.get(i).vin;
            }
        }
        return t.vins.get(0);
    }

    private static String other(Term t, String vin) {
        for (String v : t.vins) {
            if (!v.equals(vin)) {
                return v;
            }
        }
        throw new IllegalStateException("terminal " + t.index + " has one VIN only");
    }

    private Req newRequest(Term t, Kind kind, String vin) {
        String id = "c" + runId + "-r" + round + "-t" + t.index + "-" + (++t.seq);
        Req r = new Req(id, kind, t, vin, round);
        synchronized (this) {
            requests.put(id, r);
        }
        return r;
    }

    /** Connects (clean start) and subscribes every terminal without an open connection; bounded. */
    private void connect(List<Term> terms) {
        List<CompletableFuture<Void>> pending = new ArrayList<>();
        for (Term t : terms) {
            if (t.conn != null && t.conn.isOpen()) {
                continue;
            }
            t.connections++;
            pending.add(crowd.connect(t.terminalId, this::message, options(t)).thenCompose(c -> {
                synchronized (this) {
                    t.conn = c;
                }
                return c.subscribe(List.of(Topics.loginAck(t.terminalId), Topics.bindAck(t.terminalId)));
            }));
        }
        try {
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get(CONNECT_BOUND.toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new BenchException("a terminal could not connect to the server's broker: " + e.getCause().getMessage(),
                    e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new BenchException(pending.size() + " terminals did not all connect within " + CONNECT_BOUND, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted while connecting terminals", e);
        }
    }

    /**
     * A terminal's connect options: on the embedded broker (TLS, client certificates) a certificate issued for its id
     * by the server's terminal CA in the data directory, as the terminal factory would (once per terminal); on the
     * private Mosquitto plaintext.
     */
    private RawMqtt.ConnectOptions options(Term t) {
        if (t.options != null) {
            return t.options;
        }
        if (!"ssl".equals(mqttUri.getScheme())) {
            t.options = RawMqtt.ConnectOptions.plaintext();
            return t.options;
        }
        try {
            if (pki == null) {
                pki = io.vinbind.server.pki.TestPki.open(dataDir.resolve("pki"));
            }
            io.vinbind.server.pki.TestPki.Issued issued = pki.issued(io.vinbind.server.pki.Identity.Kind.TERMINAL,
                    t.terminalId).orElse(null);
            if (issued == null) {
                issued = pki.issueTerminal(t.terminalId);
            }
            t.options = RawMqtt.ConnectOptions.tls(io.vinbind.server.pki.TlsMaterial.clientContext(pki.serviceCaFile(),
                    issued.certificateFile(), issued.keyFile()), mqttUri.getHost());
            return t.options;
        } catch (io.vinbind.server.pki.PkiException e) {
            throw new BenchException("cannot issue a certificate for terminal " + t.terminalId + " from the server's PKI in "
                    + dataDir.resolve("pki") + ": " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------------------------------------ traffic

    /** Sends the terminal's next request, if any and not frozen (caller holds the lock). */
    private void sendNext(Term t) {
        if (frozen || t.outstanding != null || t.next >= t.program.size()) {
            return;
        }
        Req r = t.program.get(t.next++);
        if (r.expectedOutcome == null) {
            r.expectedOutcome = r.kind == Kind.LOGIN ? LoginOutcome.ACCEPTED.name()
                    : r.vin.equals(t.currentVin) ? BindOutcome.ALREADY_BOUND.name()
                    : t.currentVin == null && vinHolder.get(r.vin) == null ? BindOutcome.BOUND.name()
                    : BindOutcome.REBOUND.name();
        }
        t.outstanding = r;
        send(r);
    }

    /** Publishes a request (again); caller holds the lock. */
    private void send(Req r) {
        long now = System.nanoTime();
        if (r.firstSent == 0) {
            r.firstSent = now;
            r.term.sent.add(r);
        }
        r.lastSent = now;
        r.sends++;
        publish(r);
    }

    private void publish(Req r) {
        RawMqtt.Connection c = r.term.conn;
        if (c == null || !c.isOpen()) {
            return; // sent again when the terminal is connected (resume, or the convergence loop)
        }
        c.publish(r.topic, r.payload).whenComplete((ok, err) -> {
            if (err != null) {
                Logger.debug("{} {}: publish failed: {}", r.kind, r.id, err.getMessage());
            }
        });
    }

    /** Every PUBLISH a terminal receives (selector thread). */
    private void message(RawMqtt.Connection c, String topic, byte[] payload) {
        long now = System.nanoTime();
        TopicAddress a;
        Ans ans;
        String requestId;
        try {
            a = Topics.parse(topic);
            if (a.type() == MessageType.LOGIN_ACK) {
                LoginAck ack = JsonCodec.decodeLoginAck(payload);
                requestId = ack.requestId();
                ans = new Ans(ack.outcome().name(), ack.reason(), "", now, Stage.RUNNING);
            } else if (a.type() == MessageType.BIND_ACK) {
                BindAck ack = JsonCodec.decodeBindAck(payload);
                requestId = ack.requestId();
                ans = new Ans(ack.outcome().name(), ack.reason(), ack.vin(), now, Stage.RUNNING);
            } else {
                Logger.warn("unexpected {} on {}", a.type(), topic);
                return;
            }
        } catch (ProtocolException e) {
            roundViolation("undecodable message on " + topic + ": " + e.getMessage());
            return;
        }
        synchronized (this) {
            Req r = requests.get(requestId);
            if (r == null || !r.term.terminalId.equals(a.terminalId())) {
                roundViolation("an answer " + ans.text() + " on " + topic + " to request " + requestId
                        + ", which no terminal of this run sent on that topic");
                return;
            }
            ans = new Ans(ans.outcome, ans.reason, ans.vin, now, stage);
            answer(r, ans);
            notifyAll();
        }
    }

    /** One answer to a request (caller holds the lock). */
    private void answer(Req r, Ans a) {
        Term t = r.term;
        if (r.replaySent && r.replay == null && r.first != null) {
            r.replay = a;
            if (!a.sameAs(r.first)) {
                roundViolation(r.kind + " " + r.id + " of IMSI " + t.imsi + " was answered " + r.first.text()
                        + (r.answeredBeforeKill ? " before the kill" : "") + ", but its replay after the restart got "
                        + a.text());
            }
            return;
        }
        if (r.first != null) {
            if (!a.sameAs(r.first)) {
                roundViolation(r.kind + " " + r.id + " of IMSI " + t.imsi + " answered twice differently: "
                        + r.first.text() + ", then " + a.text());
            }
            return;
        }
        answersByStage.merge(a.stage, 1, Integer::sum);
        boolean refused = a.outcome.equals(BindOutcome.REJECTED.name()) || a.outcome.equals(LoginOutcome.REJECTED.name());
        if (refused && (a.reason == ReasonCode.CONFLICT_RETRY || a.reason == ReasonCode.SERVER_ERROR)) {
            // answered but stored nothing, by design: the terminal retries with the same requestId
            Logger.info("{} {}: {} (retryable, nothing stored); sending it again", r.kind, r.id, a.text());
            if (r.sends < MAX_SENDS && !frozen) {
                send(r);
            }
            return;
        }
        r.first = a;
        outcomes.merge(r.kind + " " + a.outcome, 1, Integer::sum);
        String expectedVin = r.kind == Kind.BIND ? r.vin : "";
        if (!a.outcome.equals(r.expectedOutcome) || a.reason != ReasonCode.NONE || !a.vin.equals(expectedVin)) {
            String why = a.reason == ReasonCode.NOT_LOGGED_IN
                    ? " (the server forgot the login " + (t.loginAcceptedBeforeKill ? "it had accepted before the kill" : "")
                    + ")" : a.reason == ReasonCode.UNKNOWN_IMSI ? " (the server forgot the factory registration)" : "";
            roundViolation(r.kind + " " + r.id + " of IMSI " + t.imsi + (r.kind == Kind.BIND ? " for VIN " + r.vin : "")
                    + ": expected " + r.expectedOutcome + ", got " + a.text() + why + "; the IMSI's last answered bind: "
                    + lastAnsweredBind(t, r).map(b -> b.describe(killNanos)).orElse("none"));
        }
        if (r.kind == Kind.LOGIN && a.outcome.equals(LoginOutcome.ACCEPTED.name())) {
            t.loginAccepted = true;
        }
        if (r.kind == Kind.BIND && BindOutcome.valueOf(a.outcome).isBound()) {
            hold(t, a.vin);
            t.everBound = true;
            if (!a.outcome.equals(BindOutcome.ALREADY_BOUND.name())) {
                t.boundAnswers.add(r);
            }
        }
        if (a.reason == ReasonCode.NOT_LOGGED_IN) {
            // as a terminal does: log in again, then the same bind (a refusal is not stored, so it is decided anew)
            r.first = null;
            t.program.add(t.next, newRequest(t, Kind.LOGIN, ""));
            t.program.add(t.next + 1, r);
            r.expectedOutcome = null;
        }
        if (t.outstanding == r) {
            t.outstanding = null;
            if (a.reason == ReasonCode.UNKNOWN_IMSI) {
                t.next = t.program.size(); // nothing more this terminal can do
            }
            sendNext(t);
        }
    }

    /** The model after a bind answered bound: {@code t} holds {@code vin}; whoever held it (rule 4) holds nothing. */
    private void hold(Term t, String vin) {
        if (t.currentVin != null && !t.currentVin.equals(vin)) {
            vinHolder.remove(t.currentVin);
        }
        Term previous = vinHolder.put(vin, t);
        if (previous != null && previous != t) {
            previous.currentVin = null;
        }
        t.currentVin = vin;
    }

    private static Optional<Req> lastAnsweredBind(Term t, Req before) {
        Req last = null;
        for (Req r : t.sent) {
            if (r == before) {
                break;
            }
            if (r.kind == Kind.BIND && r.first != null && BindOutcome.valueOf(r.first.outcome).isBound()) {
                last = r;
            }
        }
        return Optional.ofNullable(last);
    }

    private synchronized void roundViolation(String v) {
        roundViolations.add(v);
        Logger.warn("server crash test [{}] round {}: {}", settings.backend(), round, v);
    }

    /** Waits until {@code count} of {@code reqs} are answered; bounded (a violation when the bound passes). */
    private void awaitAnswers(List<Req> reqs, int count, String what) {
        long deadline = System.nanoTime() + STEP_BOUND.toNanos();
        synchronized (this) {
            while (true) {
                int n = 0;
                for (Req r : reqs) {
                    if (r.first != null) {
                        n++;
                    }
                }
                if (n >= count) {
                    return;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    roundViolation("before the kill: only " + n + " of " + reqs.size() + " requests answered within "
                            + STEP_BOUND.toSeconds() + " s (waiting for " + what + ")");
                    return;
                }
                waitMillis(Math.min(200, Math.max(1, left / 1_000_000)));
            }
        }
    }

    /** After the restart: every terminal of the round gets all its answers; unanswered requests are sent again. */
    private void converge() {
        long deadline = System.nanoTime() + settings.convergeBound().toNanos();
        synchronized (this) {
            while (true) {
                List<Req> open = new ArrayList<>();
                for (Term t : active) {
                    if (!t.done()) {
                        if (t.outstanding != null) {
                            open.add(t.outstanding);
                        } else {
                            sendNext(t);
                        }
                    }
                }
                if (open.isEmpty()) {
                    return;
                }
                long now = System.nanoTime();
                if (now > deadline) {
                    roundViolation(open.size() + " requests did not converge within " + settings.convergeBound().toSeconds()
                            + " s after the restart, although sent again with their requestIds: "
                            + open.stream().limit(5).map(r -> r.describe(killNanos) + " (sent " + r.sends + " times)")
                            .toList());
                    for (Term t : active) {
                        t.outstanding = null;
                        t.next = t.program.size();
                    }
                    return;
                }
                for (Req r : open) {
                    if (now - r.lastSent > RESEND_AFTER.toNanos() && r.sends < MAX_SENDS) {
                        send(r);
                    }
                }
                waitMillis(100);
            }
        }
    }

    /**
     * Replays every answered request of the round with its requestId: each answer must be identical, and each must
     * come from the stored answer (the server's {@code *.replayed} counters).
     *
     * @return answers compared
     */
    private int replayRound() {
        List<Req> replays = new ArrayList<>();
        synchronized (this) {
            for (Term t : active) {
                for (Req r : t.sent) {
                    if (r.round == round && r.first != null) {
                        replays.add(r);
                    }
                }
            }
        }
        JsonNode before = api.metrics();
        int mark = server.mark();
        long deadline = System.nanoTime() + STEP_BOUND.toNanos();
        int[] sends = new int[Kind.values().length];
        synchronized (this) {
            for (Req r : replays) {
                r.replaySent = true;
                r.replay = null;
                r.replaySends = 1;
                r.replayLastSent = System.nanoTime();
                sends[r.kind.ordinal()]++;
                publish(r);
            }
            while (true) {
                List<Req> open = replays.stream().filter(r -> r.replay == null).toList();
                if (open.isEmpty()) {
                    break;
                }
                long now = System.nanoTime();
                if (now > deadline) {
                    roundViolation(open.size() + " of " + replays.size() + " replays got no answer within "
                            + STEP_BOUND.toSeconds() + " s: " + open.stream().limit(5).map(r -> r.id).toList());
                    break;
                }
                for (Req r : open) {
                    if (now - r.replayLastSent > RESEND_AFTER.toNanos() && r.replaySends < MAX_SENDS) {
                        r.replaySends++;
                        r.replayLastSent = now;
                        sends[r.kind.ordinal()]++;
                        publish(r);
                    }
                }
                waitMillis(100);
            }
        }
        JsonNode after = api.metrics();
        long logins = counter(after, "login.replayed") - counter(before, "login.replayed");
        long binds = counter(after, "bind.replayed") - counter(before, "bind.replayed");
        if (logins < sends[Kind.LOGIN.ordinal()]) {
            synchronized (this) {
                // which login replays were decided anew the server does not say; those not counted lost yet are
                long known = replays.stream().filter(r -> r.kind == Kind.LOGIN && roundLost.contains(r.id)).count();
                roundLostLogins += (int) Math.max(0, sends[Kind.LOGIN.ordinal()] - logins - known);
            }
            roundViolation((sends[Kind.LOGIN.ordinal()] - logins) + " of " + sends[Kind.LOGIN.ordinal()]
                    + " login replays were decided anew (login.replayed grew by " + logins
                    + "): their stored answers were gone");
        }
        if (binds < sends[Kind.BIND.ordinal()]) {
            Set<String> fromStore = new HashSet<>();
            for (String line : server.linesContaining(mark, " replayed")) {
                Matcher m = REPLAYED_LINE.matcher(line);
                if (m.find()) {
                    fromStore.add(m.group(1));
                }
            }
            List<Req> decided = replays.stream().filter(r -> r.kind == Kind.BIND && !fromStore.contains(r.id)).toList();
            synchronized (this) {
                decided.forEach(r -> roundLost.add(r.id));
            }
            List<String> anew = decided.stream().map(r -> r.describe(killNanos)).limit(10).toList();
            roundViolation((sends[Kind.BIND.ordinal()] - binds) + " of " + sends[Kind.BIND.ordinal()]
                    + " bind replays were decided anew (bind.replayed grew by " + binds
                    + "): their stored answers were gone; without a 'replayed' line in the server log: " + anew);
        }
        synchronized (this) {
            for (Req r : replays) {
                r.replaySent = false;
            }
            return (int) replays.stream().filter(r -> r.replay != null && r.replay.sameAs(r.first)).count();
        }
    }

    private static long counter(JsonNode metrics, String name) {
        JsonNode n = metrics.get(name);
        return n == null ? 0 : n.asLong();
    }

    // ------------------------------------------------------------------------------------------------ checks

    /**
     * Right after the restart, before any terminal sends: live bindings, history rows and logins on record match
     * what was answered. The one request a terminal may have unanswered can have been decided by the server.
     */
    private void checkStoredState(List<Term> terms, boolean allowUnanswered) {
        for (Term t : terms) {
            String current;
            Req out;
            List<Req> bound;
            boolean login;
            synchronized (this) {
                current = t.currentVin;
                out = allowUnanswered ? t.outstanding : null;
                bound = List.copyOf(t.boundAnswers);
                login = t.loginAccepted;
            }
            Optional<String> live = api.bindingOfImsi(t.imsi).map(ServerApi.BindingView::vin);
            Set<String> allowed = new HashSet<>();
            if (current != null) {
                allowed.add(current);
            }
            if (out != null && out.kind == Kind.BIND) {
                allowed.add(out.vin);
            }
            boolean ok = live.map(allowed::contains).orElse(current == null);
            if (!ok) {
                Req last;
                synchronized (this) {
                    last = lastAnsweredBind(t, null).orElse(null);
                    if (last != null) {
                        roundLost.add(last.id);
                    }
                }
                roundViolation("IMSI " + t.imsi + ": after the restart the server holds "
                        + live.map(v -> "VIN " + v).orElse("no binding") + ", but the last bind answered was "
                        + (last == null ? "none" : last.describe(killNanos))
                        + (out != null ? "; unanswered at the kill: " + out.describe(killNanos) : ""));
            }
            if (!bound.isEmpty()) {
                List<ServerApi.HistoryRow> rows = api.historyOfImsi(t.imsi, 1000);
                for (Req r : bound) {
                    long n = rows.stream().filter(h -> h.requestId().map(r.id::equals).orElse(false)
                            && h.event().equals(r.first.outcome) && h.vin().map(r.vin::equals).orElse(false)).count();
                    if (n != 1) {
                        synchronized (this) {
                            roundLost.add(r.id);
                        }
                        roundViolation("IMSI " + t.imsi + ": " + r.describe(killNanos) + ", but the history holds " + n
                                + " " + r.first.outcome + " rows with that requestId");
                    }
                }
            }
            if (login) {
                Optional<JsonNode> entry = api.modem(t.imsi);
                JsonNode at = entry.map(e -> e.get("lastLoginAt")).orElse(null);
                if (at == null || at.isNull()) {
                    synchronized (this) {
                        t.sent.stream().filter(r -> r.kind == Kind.LOGIN && r.first != null
                                && r.first.outcome.equals(LoginOutcome.ACCEPTED.name())).reduce((x, y) -> y)
                                .ifPresent(r -> roundLost.add(r.id));
                    }
                    roundViolation("IMSI " + t.imsi + ": a login was answered ACCEPTED, but after the restart the "
                            + "registry " + entry.map(e -> "has no login on record: " + e).orElse("does not know the IMSI"));
                }
            }
        }
    }

    /** Each terminal's IMSI is bound to the VIN it last uploaded; of its VINs only that one is bound. */
    private List<String> checkFinalState(List<Term> terms) {
        List<String> found = new ArrayList<>();
        for (Term t : terms) {
            String current;
            synchronized (this) {
                current = t.currentVin;
            }
            Optional<ServerApi.BindingView> byImsi = api.bindingOfImsi(t.imsi);
            if (!byImsi.map(ServerApi.BindingView::vin).equals(Optional.ofNullable(current))) {
                found.add("IMSI " + t.imsi + ": the terminal was last answered " + (current == null ? "no binding"
                        : "VIN " + current) + ", the server holds " + byImsi.map(b -> "VIN " + b.vin()).orElse("none"));
            }
            for (String v : t.vins) {
                Optional<String> holder = api.bindingOfVin(v).map(ServerApi.BindingView::imsi);
                Optional<String> expected = v.equals(current) ? Optional.of(t.imsi) : Optional.empty();
                if (!holder.equals(expected)) {
                    found.add("VIN " + v + " of IMSI " + t.imsi + ": the server binds it to "
                            + holder.orElse("nobody") + ", expected " + expected.orElse("nobody"));
                }
            }
        }
        return found;
    }

    /**
     * After a round that found differences: takes what the server now holds as the truth (live binding, history rows,
     * login on record), so that later kill points report their own losses, not this one's again.
     */
    private void resync(List<Term> terms) {
        for (Term t : terms) {
            Optional<String> live = api.bindingOfImsi(t.imsi).map(ServerApi.BindingView::vin);
            List<ServerApi.HistoryRow> rows = api.historyOfImsi(t.imsi, 1000);
            boolean login = api.modem(t.imsi).map(e -> e.get("lastLoginAt") != null && !e.get("lastLoginAt").isNull())
                    .orElse(false);
            synchronized (this) {
                vinHolder.values().removeIf(h -> h == t);
                t.currentVin = null;
                live.ifPresent(v -> hold(t, v));
                t.boundAnswers.removeIf(r -> rows.stream().filter(h -> h.requestId().map(r.id::equals).orElse(false)
                        && h.event().equals(r.first.outcome)).count() != 1);
                t.loginAccepted = login;
            }
        }
        Logger.info("server crash test round {}: the model follows what the server holds now", round);
    }

    /** At the end: every terminal the run used, current state and every BOUND/REBOUND answered in the history. */
    private List<String> finalSweep() {
        List<Term> all = pool.subList(0, used);
        List<String> found;
        synchronized (this) {
            roundViolations = new ArrayList<>();
            killNanos = 0;
        }
        checkStoredState(all, false);
        synchronized (this) {
            found = new ArrayList<>(roundViolations);
            roundViolations = new ArrayList<>();
        }
        found.addAll(checkFinalState(all));
        return found;
    }

    // ------------------------------------------------------------------------------------------------ waits

    private void waitMillis(long ms) {
        try {
            wait(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted during the server crash test", e);
        }
    }

    private static void sleepMillis(long ms) {
        if (ms <= 0) {
            return;
        }
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted during the server crash test", e);
        }
    }

    /** The summary line of several runs (CLI). */
    public static String combined(List<Report> reports) {
        Map<String, Integer> landed = new LinkedHashMap<>();
        long points = 0;
        long survived = 0;
        for (Report r : reports) {
            points += r.points().size();
            survived += r.survived();
            r.landed().forEach((k, v) -> landed.merge(k, v, Integer::sum));
        }
        return String.format("server crash test: %d of %d kill points survived over %d backend runs; landed %s",
                survived, points, reports.size(), landed);
    }
}
