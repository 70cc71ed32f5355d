package io.vinbind.hil.perf;

import io.vinbind.hil.bench.Bench;
import io.vinbind.hil.bench.BenchException;
import io.vinbind.hil.bench.Identities;
import io.vinbind.modem.sim.Identity;
import io.vinbind.protocol.BindAck;
import io.vinbind.protocol.BindRequest;
import io.vinbind.protocol.JsonCodec;
import io.vinbind.protocol.LoginAck;
import io.vinbind.protocol.LoginRequest;
import io.vinbind.protocol.MessageType;
import io.vinbind.protocol.ProtocolException;
import io.vinbind.protocol.ReasonCode;
import io.vinbind.protocol.TopicAddress;
import io.vinbind.protocol.Topics;
import io.vinbind.protocol.UploadReason;
import io.vinbind.server.BindingServer;
import io.vinbind.server.ServerConfig;
import io.vinbind.server.ServerStartException;
import io.vinbind.server.registry.ImportReport;
import io.vinbind.server.registry.ImportStatus;
import io.vinbind.server.registry.CsvHeaderException;
import io.vinbind.server.store.DbSettings;
import java.io.IOException;
import java.io.StringReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.function.IntPredicate;
import org.tinylog.Logger;

/**
 * The server benchmark: N simulated terminals (registered at the factory by CSV import first) connect, log
 * in and upload a VIN concurrently against the real binding server, and, on the same broker in the same run,
 * the same N clients make a QoS 1 request/response round trip through a trivial echo responder, so the
 * server's cost reads as a ratio to what the broker alone does.
 *
 * <p>Phases, each started for all terminals at once and timed from its first send to its last answer:
 * <ol>
 *   <li>connect: TCP (+ TLS 1.3 with the terminal's own certificate on a TLS broker) + MQTT CONNECT/CONNACK +
 *       SUBSCRIBE to {@code login/ack}, {@code bind/ack} and the echo reply topic (at most {@code connectWindow}
 *       handshakes in flight, as a listen backlog allows);</li>
 *   <li>echo (cold): every terminal publishes one request to {@code vinbind-perf/echo/{terminalId}/req}; the
 *       responder, one connection on a shared subscription like the server's, republishes it to
 *       {@code …/resp};</li>
 *   <li>login: every terminal publishes a {@code LoginRequest} and waits for its {@code LoginAck};</li>
 *   <li>bind: every terminal whose login was accepted publishes a {@code BindRequest} and waits for the
 *       {@code BindAck} with its requestId, VIN and IMSI: upload-to-ack latency, binds/s, outcomes;</li>
 *   <li>echo (warm): the echo round again, after the broker has carried the whole run.</li>
 * </ol>
 * A request without its answer when a phase ends (no answer for {@code quietBound}) is counted as missing.
 *
 * <p>The echo phases run only on a plaintext external broker without vinbind's topic permissions ({@code --mqtt
 * tcp://…}): the embedded broker and the private Mosquitto (with vinbind's ACL plugin) let a terminal publish
 * nothing but its own login and bind, so there the run has no echo and no ratio. Comparing the embedded broker with TLS and in insecure plaintext mode is what shows the cost of
 * the trusted channel.
 */
public final class ServerBench {

    /** The echo round trip's topic root (outside {@code vinbind/v2}, so the server never sees it). */
    static final String ECHO_ROOT = "vinbind-perf/echo";
    /** Shared-subscription group of the echo responder (the server's is {@code vinbind}). */
    static final String ECHO_GROUP = "vinbind-perf";
    /** No phase lasts longer than this, however slowly answers trickle in. */
    static final Duration PHASE_BOUND = Duration.ofMinutes(10);

    /**
     * @param terminals     simulated terminals (1..10,000)
     * @param externalMqtt  empty: the server's embedded broker; else this broker ({@code tcp://127.0.0.1:1883})
     * @param externalDb    empty: H2 under a temp directory; else this PostgreSQL URL (in a fresh schema,
     *                      dropped afterwards)
     * @param dbUser        PostgreSQL user
     * @param connectWindow connection handshakes in flight at most
     * @param quietBound    a phase ends when every request is answered or nothing arrived for this long
     * @param seed          seed of the generated identities
     * @param privateMosquitto instead of {@code externalMqtt}, a Mosquitto process of the run's own
     *                      ({@link PrivateMosquitto}: no other server in the share group, fleet-sized queues)
     * @param insecurePlaintext the embedded broker without TLS (identities by user name, the server's
     *                      {@code --insecure-plaintext}), to measure what TLS with client certificates costs
     */
    public record Settings(int terminals, Optional<URI> externalMqtt, Optional<String> externalDb, String dbUser,
            int connectWindow, Duration quietBound, long seed, boolean privateMosquitto, boolean insecurePlaintext) {
        public Settings {
            if (insecurePlaintext && (privateMosquitto || externalMqtt.isPresent())) {
                throw new IllegalArgumentException("insecure plaintext is a mode of the embedded broker only");
            }
            if (terminals < 1 || terminals > 10_000) {
                throw new IllegalArgumentException("terminals must be 1..10000, got " + terminals);
            }
            Objects.requireNonNull(externalMqtt, "externalMqtt");
            Objects.requireNonNull(externalDb, "externalDb");
            Objects.requireNonNull(dbUser, "dbUser");
            if (connectWindow < 1 || connectWindow > 10_000) {
                throw new IllegalArgumentException("connect window must be 1..10000, got " + connectWindow);
            }
            Objects.requireNonNull(quietBound, "quietBound");
            if (privateMosquitto && externalMqtt.isPresent()) {
                throw new IllegalArgumentException("a private mosquitto and an external broker exclude each other");
            }
            if (quietBound.isNegative() || quietBound.isZero() || quietBound.toMinutes() > 10) {
                throw new IllegalArgumentException("quiet bound must be positive and at most 10 min: " + quietBound);
            }
        }

        public String target() {
            return (privateMosquitto ? "private mosquitto (TLS + client certificates, vinbind ACL plugin)"
                    : externalMqtt.map(u -> "broker " + u).orElse(insecurePlaintext
                            ? "embedded broker, INSECURE plaintext (identities by user name)"
                            : "embedded broker, TLS 1.3 + client certificates")) + " + "
                    + externalDb.map(d -> "PostgreSQL " + d).orElse("H2");
        }
    }

    /**
     * One phase's outcome.
     *
     * @param name      phase
     * @param requests  requests sent
     * @param answered  requests answered (each counted once)
     * @param wallNanos first send to last answer
     * @param latency   per-request send-to-answer figures
     * @param outcomes  answers by outcome (bind and login outcomes; OK for echo and connect)
     */
    public record Phase(String name, int requests, int answered, long wallNanos, Latencies latency,
            Map<String, Integer> outcomes) {
        public Phase {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(latency, "latency");
            outcomes = Map.copyOf(outcomes);
        }

        public int missing() {
            return requests - answered;
        }

        /** Answered requests per second over the phase's wall time. */
        public double ratePerSecond() {
            return wallNanos == 0 ? 0 : answered / (wallNanos / 1e9);
        }

        @Override
        public String toString() {
            return String.format("%-12s %6d sent %6d answered %4d missing  %8.0f/s over %7.0f ms  %s  %s", name,
                    requests, answered, missing(), ratePerSecond(), wallNanos / 1e6, latency, new TreeMap<>(outcomes));
        }
    }

    /** A run's result: the phases in order, and the server-to-broker ratio. */
    public record Result(String target, int terminals, long registerNanos, List<Phase> phases) {
        public Result {
            phases = List.copyOf(phases);
        }

        public Phase phase(String name) {
            return phases.stream().filter(p -> p.name().equals(name)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no phase " + name));
        }

        public Optional<Phase> findPhase(String name) {
            return phases.stream().filter(p -> p.name().equals(name)).findFirst();
        }

        /**
         * Binds/s as a fraction of the warm echo rate on the same broker; empty on the embedded broker, whose
         * topic permissions let a terminal publish only its own login and bind (there is no echo to compare with).
         */
        public Optional<Double> bindToEchoRatio() {
            return findPhase("echo-warm").map(e -> phase("bind").ratePerSecond() / e.ratePerSecond());
        }

        public int missingAcks() {
            return phases.stream().mapToInt(Phase::missing).sum();
        }
    }

    /** The mosquitto binary {@code --private-mosquitto} would start, if installed. */
    public static Optional<Path> mosquittoBinary() {
        return PrivateMosquitto.binary();
    }

    private final Settings settings;
    private final Consumer<String> progress;
    private final int n;
    private final String[] imsi;
    /** Terminal ids: the client id, the certificate's CN and the topic level of each simulated terminal. */
    private final String[] tid;
    private final Identity[] modems;
    private final String[] vin;
    private final Map<String, Integer> index = new HashMap<>();
    private final RawMqtt.Connection[] conns;
    /** How each terminal connects (its own TLS context and certificate, or its user name). */
    private final RawMqtt.ConnectOptions[] connectOptions;
    /** Whose login was accepted: only they upload, as a terminal does. */
    private final boolean[] loggedIn;
    private final String runId = UUID.randomUUID().toString().substring(0, 8);

    // per phase (reset by each phase; written on the selector thread, read after the phase)
    private volatile String[] expectedRequestId;
    private volatile long[] sent;
    private volatile long[] done;
    private volatile String[] outcome;
    private final AtomicInteger answered = new AtomicInteger();
    private volatile long lastAnswer;
    private volatile MessageType expecting;
    private volatile boolean echoPhase;
    /** Whether the broker carries the echo round trip (not the embedded broker: its permissions forbid it). */
    private volatile boolean echo;

    private ServerBench(Settings settings, Consumer<String> progress) {
        this.settings = settings;
        this.progress = progress;
        this.n = settings.terminals();
        this.imsi = new String[n];
        this.tid = new String[n];
        this.modems = new Identity[n];
        this.vin = new String[n];
        this.conns = new RawMqtt.Connection[n];
        this.connectOptions = new RawMqtt.ConnectOptions[n];
        this.loggedIn = new boolean[n];
        Identities ids = new Identities(settings.seed());
        Set<String> vins = new HashSet<>();
        for (int i = 0; i < n; i++) {
            Identity m;
            do {
                m = ids.modem();
            } while (index.containsKey(m.imsi().value()));
            modems[i] = m;
            imsi[i] = m.imsi().value();
            tid[i] = "PERF-" + runId + "-" + i;
            index.put(tid[i], i);
            String v;
            do {
                v = ids.vin();
            } while (!vins.add(v));
            vin[i] = v;
        }
    }

    /**
     * Runs the benchmark once.
     *
     * @throws BenchException when the server does not start or the terminals cannot connect at all
     */
    public static Result run(Settings settings, Consumer<String> progress) {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(progress, "progress");
        return new ServerBench(settings, progress).run();
    }

    private Result run() {
        Path dir;
        try {
            dir = Files.createTempDirectory("vinbind-perf-server-");
        } catch (IOException e) {
            throw new BenchException("cannot create a temp directory: " + e.getMessage(), e);
        }
        Optional<String> schema = settings.externalDb().map(d -> "perf_" + runId);
        ServerConfig config = ServerConfig.ephemeral(dir.resolve("server"));
        PrivateMosquitto mosquitto = settings.privateMosquitto() ? securedMosquitto(dir, config.pki()) : null;
        if (mosquitto != null) {
            config = config.withExternalBroker(mosquitto.uri()).withInstanceId("vinbind-perf-" + runId);
        } else if (settings.externalMqtt().isPresent()) {
            config = config.withExternalBroker(settings.externalMqtt().get()).withInstanceId("vinbind-perf-" + runId);
        } else {
            config = config.withInsecurePlaintext(settings.insecurePlaintext());
        }
        if (settings.externalDb().isPresent()) {
            config = config.withDatabase(new DbSettings(settings.externalDb().get(), Optional.of(settings.dbUser()),
                    Optional.empty(), schema, 8));
        }
        progress.accept("server bench: " + n + " terminals against " + settings.target() + " (seed " + settings.seed() + ")");
        BindingServer server;
        try {
            server = BindingServer.start(config);
        } catch (ServerStartException e) {
            if (mosquitto != null) {
                mosquitto.close();
            }
            throw new BenchException("the binding server did not start on " + settings.target() + ": " + e.getMessage(), e);
        }
        try {
            long registerNanos = register(server);
            URI broker = server.mqttUri();
            credentials(server);
            // the embedded broker lets a terminal publish only its own login and bind: no echo topics there
            echo = "tcp".equals(broker.getScheme()) && !server.embeddedBroker();
            try (RawMqtt crowd = new RawMqtt(new InetSocketAddress(broker.getHost(), broker.getPort()), "perf-terminals");
                 RawMqtt echoSide = new RawMqtt(new InetSocketAddress(broker.getHost(), broker.getPort()), "perf-echo")) {
                List<Phase> phases = new java.util.ArrayList<>();
                if (echo) {
                    startEcho(echoSide);
                }
                Phase connect = connectAll(crowd);
                progress.accept(connect.toString());
                phases.add(connect);
                if (echo) {
                    Phase echoCold = echo("echo-cold");
                    progress.accept(echoCold.toString());
                    phases.add(echoCold);
                }
                Phase login = login();
                progress.accept(login.toString());
                for (int k = 0; k < n; k++) {
                    loggedIn[k] = "ACCEPTED".equals(outcome[k]);
                }
                phases.add(login);
                Phase bind = bind();
                progress.accept(bind.toString());
                phases.add(bind);
                if (echo) {
                    Phase echoWarm = echo("echo-warm");
                    progress.accept(echoWarm.toString());
                    phases.add(echoWarm);
                }
                for (RawMqtt.Connection c : conns) {
                    if (c != null) {
                        c.disconnect();
                    }
                }
                return new Result(settings.target(), n, registerNanos, phases);
            } catch (IOException e) {
                throw new BenchException("cannot open the bench's MQTT selector: " + e.getMessage(), e);
            }
        } finally {
            server.close();
            if (mosquitto != null) {
                mosquitto.close();
            }
            schema.ifPresent(this::dropSchema);
            Bench.deleteTree(dir);
        }
    }

    /** The run's Mosquitto as a deployment runs it (TLS, vinbind's ACL plugin) on the server's PKI, made first. */
    private static PrivateMosquitto securedMosquitto(Path dir, Path pki) {
        try {
            Files.createDirectories(pki);
            io.vinbind.server.pki.TestPki.openOrCreate(pki);
            return PrivateMosquitto.startSecured(Files.createDirectories(dir.resolve("mosquitto")), pki);
        } catch (IOException | io.vinbind.server.pki.PkiException e) {
            throw new BenchException("cannot prepare the PKI for the run's Mosquitto in " + pki + ": " + e.getMessage(), e);
        }
    }

    private long register(BindingServer server) {
        StringBuilder csv = new StringBuilder("imsi,iccid,imei,batch,part_number\n");
        for (Identity m : modems) {
            csv.append(m.imsi().value()).append(',').append(m.iccid().value()).append(',').append(m.imei().value())
                    .append(",perf-").append(runId).append(",TBOX-PERF\n");
        }
        long t0 = System.nanoTime();
        ImportReport report;
        try {
            report = server.registry().importCsv(new StringReader(csv.toString()));
        } catch (IOException | CsvHeaderException e) {
            throw new BenchException("factory import of " + n + " modems failed: " + e.getMessage(), e);
        }
        long took = System.nanoTime() - t0;
        long added = report.count(ImportStatus.ADDED) + report.count(ImportStatus.UNCHANGED) + report.count(ImportStatus.UPDATED);
        if (added != n) {
            throw new BenchException("factory import registered " + added + " of " + n + " modems: " + report.summary());
        }
        progress.accept(String.format("factory CSV import: %d modems in %.0f ms", n, took / 1e6));
        return took;
    }

    /**
     * Each terminal's connect options: on a TLS broker a certificate of its own, issued by the server's terminal
     * CA as the terminal factory would (before the connect phase: issuing is the factory's time, not the fleet's),
     * on the insecure plaintext embedded broker its id as user name, elsewhere nothing.
     */
    private void credentials(BindingServer server) {
        URI broker = server.mqttUri();
        if ("ssl".equals(broker.getScheme())) {
            long t0 = System.nanoTime();
            try {
                io.vinbind.server.pki.TestPki pki = server.pki().pki();
                for (int k = 0; k < n; k++) {
                    io.vinbind.server.pki.TestPki.Issued issued = pki.issueTerminal(tid[k]);
                    javax.net.ssl.SSLContext ctx = io.vinbind.server.pki.TlsMaterial.clientContext(pki.serviceCaFile(),
                            issued.certificateFile(), issued.keyFile());
                    connectOptions[k] = RawMqtt.ConnectOptions.tls(ctx, broker.getHost());
                }
            } catch (io.vinbind.server.pki.PkiException e) {
                throw new BenchException("cannot issue the simulated terminals' certificates: " + e.getMessage(), e);
            }
            progress.accept(String.format("terminal certificates: %d issued (P-256) in %.0f ms", n,
                    (System.nanoTime() - t0) / 1e6));
        } else {
            for (int k = 0; k < n; k++) {
                connectOptions[k] = server.embeddedBroker() ? RawMqtt.ConnectOptions.plaintext().withUserName(tid[k])
                        : RawMqtt.ConnectOptions.plaintext();
            }
        }
    }

    private void startEcho(RawMqtt echoSide) {
        RawMqtt.Connection responder = await(echoSide.connect("vinbind-perf-echo-" + runId, (c, topic, payload) -> {
            String reply = topic.substring(0, topic.length() - "/req".length()) + "/resp";
            c.publish(reply, payload).whenComplete((ok, err) -> {
                if (err != null) {
                    Logger.warn("echo reply on {} failed: {}", reply, err.getMessage());
                }
            });
        }), "echo responder connect");
        await(responder.subscribe(List.of("$share/" + ECHO_GROUP + "/" + ECHO_ROOT + "/+/req")), "echo responder subscribe");
    }

    private Phase connectAll(RawMqtt crowd) {
        beginPhase(null);
        Semaphore window = new Semaphore(settings.connectWindow());
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            acquire(window);
            int k = i;
            sent[k] = System.nanoTime();
            crowd.connect(tid[k], this::message, connectOptions[k])
                    .thenCompose(c -> {
                        conns[k] = c;
                        return c.subscribe(echo ? List.of(Topics.loginAck(tid[k]), Topics.bindAck(tid[k]),
                                ECHO_ROOT + "/" + tid[k] + "/resp") : List.of(Topics.loginAck(tid[k]), Topics.bindAck(tid[k])));
                    })
                    .whenComplete((ok, err) -> {
                        window.release();
                        if (err == null) {
                            answer(k, "OK");
                        } else {
                            Logger.warn("terminal {} did not connect: {}", k, err.getMessage());
                        }
                    });
        }
        return endPhase("connect", n, t0);
    }

    private Phase echo(String name) {
        beginPhase(null);
        echoPhase = true;
        return sendAll(name, k -> true, k -> conns[k].publish(ECHO_ROOT + "/" + tid[k] + "/req",
                ("{\"seq\":" + k + ",\"terminalId\":\"" + tid[k] + "\"}").getBytes(StandardCharsets.UTF_8)));
    }

    private Phase login() {
        beginPhase(MessageType.LOGIN_ACK);
        return sendAll("login", k -> true, k -> {
            String id = "perf-login-" + k + "-" + runId;
            expectedRequestId[k] = id;
            Identity m = modems[k];
            return conns[k].publish(Topics.login(tid[k]), JsonCodec.encode(LoginRequest.of(id, tid[k], imsi[k],
                    m.iccid().value(), m.imei().value())));
        });
    }

    private Phase bind() {
        beginPhase(MessageType.BIND_ACK);
        return sendAll("bind", k -> loggedIn[k], k -> {
            String id = "perf-bind-" + k + "-" + runId;
            expectedRequestId[k] = id;
            Identity m = modems[k];
            return conns[k].publish(Topics.bind(tid[k]), JsonCodec.encode(BindRequest.of(id, tid[k], imsi[k],
                    m.iccid().value(), m.imei().value(), vin[k], UploadReason.ASSEMBLY)));
        });
    }

    private Phase sendAll(String name, IntPredicate who, IntFunction<CompletableFuture<Void>> send) {
        int requests = 0;
        long t0 = System.nanoTime();
        for (int k = 0; k < n; k++) {
            if (conns[k] == null || !who.test(k)) {
                continue; // never connected (counted missing in the connect phase), or not logged in
            }
            requests++;
            int i = k;
            sent[k] = System.nanoTime();
            send.apply(k).whenComplete((ok, err) -> {
                if (err != null) {
                    Logger.warn("{}: terminal {} publish failed: {}", name, i, err.getMessage());
                }
            });
        }
        return endPhase(name, requests, t0);
    }

    /** Every PUBLISH a terminal receives (selector thread). */
    private void message(RawMqtt.Connection c, String topic, byte[] payload) {
        long now = System.nanoTime();
        try {
            if (topic.startsWith(ECHO_ROOT + "/")) {
                String who = topic.substring(ECHO_ROOT.length() + 1, topic.length() - "/resp".length());
                Integer k = index.get(who);
                if (k != null && echoPhase) {
                    answerAt(k, "OK", now);
                }
                return;
            }
            TopicAddress a = Topics.parse(topic);
            Integer k = index.get(a.terminalId());
            if (k == null || a.type() != expecting) {
                Logger.warn("unexpected {} on {} during the {} phase", a.type(), topic, expecting);
                return;
            }
            if (a.type() == MessageType.LOGIN_ACK) {
                LoginAck ack = JsonCodec.decodeLoginAck(payload);
                if (ack.requestId().equals(expectedRequestId[k])) {
                    answerAt(k, ack.outcome() + (ack.reason() == ReasonCode.NONE ? "" : "/" + ack.reason()), now);
                }
            } else if (a.type() == MessageType.BIND_ACK) {
                BindAck ack = JsonCodec.decodeBindAck(payload);
                if (ack.requestId().equals(expectedRequestId[k]) && ack.vin().equals(vin[k])) {
                    answerAt(k, ack.outcome() + (ack.reason() == ReasonCode.NONE ? "" : "/" + ack.reason()), now);
                } else {
                    Logger.warn("bind-ack not matching terminal {}'s request: {}", k, ack);
                }
            }
        } catch (ProtocolException e) {
            Logger.warn("undecodable message on {}: {}", topic, e.getMessage());
        }
    }

    private void beginPhase(MessageType expected) {
        expecting = expected;
        echoPhase = false;
        expectedRequestId = new String[n];
        outcome = new String[n];
        done = new long[n];
        sent = new long[n];
        answered.set(0);
        lastAnswer = System.nanoTime();
    }

    private void answer(int k, String what) {
        answerAt(k, what, System.nanoTime());
    }

    private synchronized void answerAt(int k, String what, long now) {
        if (done[k] != 0) {
            return; // a QoS 1 duplicate: counted once
        }
        done[k] = now;
        outcome[k] = what;
        lastAnswer = now;
        answered.incrementAndGet();
        notifyAll();
    }

    private Phase endPhase(String name, int requests, long t0) {
        long hardEnd = t0 + PHASE_BOUND.toNanos();
        synchronized (this) {
            while (answered.get() < requests) {
                long quietLeft = Math.min(lastAnswer + settings.quietBound().toNanos(), hardEnd) - System.nanoTime();
                if (quietLeft <= 0) {
                    Logger.warn("{}: {} of {} requests unanswered after {} without an answer", name,
                            requests - answered.get(), requests, settings.quietBound());
                    break;
                }
                try {
                    wait(Math.max(1, quietLeft / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new BenchException("interrupted in the " + name + " phase", e);
                }
            }
            long last = t0;
            long[] lat = new long[answered.get()];
            int j = 0;
            Map<String, Integer> outcomes = new ConcurrentHashMap<>();
            for (int k = 0; k < n; k++) {
                if (done[k] != 0 && j < lat.length) {
                    lat[j++] = done[k] - sent[k];
                    last = Math.max(last, done[k]);
                    outcomes.merge(outcome[k], 1, Integer::sum);
                }
            }
            return new Phase(name, requests, answered.get(), last - t0, Latencies.ofNanos(lat), outcomes);
        }
    }

    /** Waits for a handshake slot (bounded: 60 s); shared with {@link PresenceBench}. */
    static void acquire(Semaphore s) {
        try {
            if (!s.tryAcquire(60, TimeUnit.SECONDS)) {
                throw new BenchException("no connection handshake finished within 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted while connecting terminals", e);
        }
    }

    /** Waits up to 10 s for {@code f}, naming {@code what} when it fails; shared with {@link PresenceBench}. */
    static <T> T await(CompletableFuture<T> f, String what) {
        try {
            return f.get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new BenchException(what + " failed: " + e.getCause().getMessage(), e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new BenchException(what + ": no answer within 10 s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted: " + what, e);
        }
    }

    private void dropSchema(String schema) {
        try (Connection c = DriverManager.getConnection(settings.externalDb().get(), settings.dbUser(), "");
             Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        } catch (SQLException e) {
            Logger.warn("could not drop PostgreSQL schema {}: {}", schema, e.getMessage());
        }
    }
}
