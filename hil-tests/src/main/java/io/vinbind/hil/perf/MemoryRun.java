package io.vinbind.hil.perf;

import io.vinbind.hil.bench.Bench;
import io.vinbind.hil.bench.BenchException;
import io.vinbind.hil.bench.Identities;
import io.vinbind.hil.crash.ServerProcess;
import io.vinbind.modem.sim.Identity;
import io.vinbind.protocol.BindAck;
import io.vinbind.protocol.BindRequest;
import io.vinbind.protocol.JsonCodec;
import io.vinbind.protocol.LoginAck;
import io.vinbind.protocol.LoginRequest;
import io.vinbind.protocol.ProtocolException;
import io.vinbind.protocol.Topics;
import io.vinbind.protocol.UploadReason;
import io.vinbind.server.cli.ServerCli;
import io.vinbind.server.pki.PkiException;
import io.vinbind.server.pki.TestPki;
import io.vinbind.server.pki.TlsMaterial;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tinylog.Logger;

/**
 * The server's resident memory under sustained malformed input ({@code ./vinbind bench server-memory}): the real
 * server as a separate process, started as the launcher starts it ({@link ServerProcess}: the launcher's memory
 * options and malloc settings), with the embedded broker behind TLS and client certificates, is sent a seeded
 * storm of malformed requests from terminals with genuine certificates, each on its own topics, while
 * {@code /proc/PID/status} (VmRSS, VmHWM, threads) is sampled every {@value #RSS_EVERY_MS} ms and the heap
 * ({@code jcmd GC.heap_info}) every {@value #HEAP_EVERY_MS} ms.
 *
 * <p>The storm ({@link Kind}): broken JSON, invalid UTF-8, wrong JSON types, unknown IMSIs, a terminal id that is
 * not the topic's, payloads just over the protocol's 1 KiB limit, payloads just under the broker's 256 KiB packet
 * limit (the broker takes them, the server refuses them), and, each on a connection of its own which the broker
 * closes, publishes on another terminal's topic and packets just over the broker's limit and of 10 MiB. Before and after it one registered terminal logs in and binds: the run passes when both
 * are answered ACCEPTED and BOUND / ALREADY_BOUND, the server is still alive, and its peak resident memory
 * (VmHWM) stayed within {@link MemoryBound} for its options.
 *
 * <p>Bounded: in payload count, in the publishes in flight ({@value #WINDOW}), and in time (every wait has its
 * bound, the storm stops at {@link Settings#timeBound()}).
 */
public final class MemoryRun {

    /** How often VmRSS/VmHWM are read: often enough to see a burst's peak (VmHWM keeps it anyway). */
    static final int RSS_EVERY_MS = 250;
    /** How often the heap is read: {@code jcmd} is a JVM start of its own. */
    static final int HEAP_EVERY_MS = 5_000;
    /** QoS 1 publishes in flight across all storm connections. */
    static final int WINDOW = 64;
    /** The protocol's payload limit ({@code Protocol.MAX_PAYLOAD_BYTES}). */
    static final int PROTOCOL_LIMIT = 1024;
    /** The embedded broker's Maximum Packet Size. */
    static final int BROKER_LIMIT = 256 * 1024;
    static final int TEN_MIB = 10 * 1024 * 1024;
    private static final Duration STEP_BOUND = Duration.ofSeconds(60);
    private static final Duration READY_BOUND = Duration.ofSeconds(90);
    private static final Duration QUIET = Duration.ofSeconds(3);
    private static final Pattern HEAP_LINE = Pattern.compile("total (\\d+)K, used (\\d+)K");

    /** What a storm payload is. */
    public enum Kind {
        BAD_JSON(26), BAD_UTF8(19), WRONG_TYPES(19), UNKNOWN_IMSI(10), IDENTITY_MISMATCH(8), OVER_PROTOCOL_LIMIT(14),
        NEAR_BROKER_LIMIT(2),
        /** A publish on another terminal's topic: the broker disconnects the client (reason 0x87). */
        FOREIGN_TOPIC(2),
        /** Just over the broker's packet limit: the connection is closed. Counted apart, not drawn. */
        OVER_BROKER_LIMIT(0),
        /** 10 MiB: the connection is closed. Counted apart, not drawn. */
        TEN_MIB(0);

        final int weight;

        Kind(int weight) {
            this.weight = weight;
        }

        /** Sent on a connection of its own, since the broker closes it. */
        boolean closesConnection() {
            return this == FOREIGN_TOPIC || this == OVER_BROKER_LIMIT || this == TEN_MIB;
        }
    }

    /**
     * @param payloads    storm payloads in all (1..1,000,000), the big ones included
     * @param bigPayloads of those, 10 MiB ones (0..1000)
     * @param connections storm terminals, each with its own certificate (1..64)
     * @param seed        of every choice
     * @param logDir      the server's output ({@code server-memory.log}) and the samples ({@code server-memory-SEED.csv})
     * @param serverJvm   JVM options after the launcher's (they win, as {@code JAVA_OPTS} does)
     * @param timeBound   the storm stops when it lasts longer (10 s .. 4 h)
     */
    public record Settings(int payloads, int bigPayloads, int connections, long seed, Path logDir, List<String> serverJvm,
            Duration timeBound) {
        public Settings {
            if (payloads < 1 || payloads > 1_000_000) {
                throw new IllegalArgumentException("payloads must be 1..1000000, got " + payloads);
            }
            if (bigPayloads < 0 || bigPayloads > 1000 || bigPayloads > payloads) {
                throw new IllegalArgumentException("10 MiB payloads must be 0..1000 and at most the payloads, got "
                        + bigPayloads);
            }
            if (connections < 1 || connections > 64) {
                throw new IllegalArgumentException("connections must be 1..64, got " + connections);
            }
            Objects.requireNonNull(logDir, "logDir");
            serverJvm = List.copyOf(serverJvm);
            if (timeBound.compareTo(Duration.ofSeconds(10)) < 0 || timeBound.compareTo(Duration.ofHours(4)) > 0) {
                throw new IllegalArgumentException("time bound must be 10 s .. 4 h, got " + timeBound);
            }
        }

        public static Settings of(int payloads, int bigPayloads, long seed, Path logDir) {
            return new Settings(payloads, bigPayloads, 8, seed, logDir, List.of(), Duration.ofMinutes(30));
        }

        /** Payloads that close their connection: the 10 MiB ones and one just over the broker limit per 2000. */
        int overBrokerLimit() {
            return Math.min(payloads - bigPayloads, Math.max(1, payloads / 2000));
        }

        /** The server JVM's options in the order it reads them: the launcher's, then these. */
        public List<String> effectiveJvm() {
            List<String> all = new ArrayList<>(ServerProcess.LAUNCHER_JVM_OPTIONS);
            all.addAll(serverJvm);
            return all;
        }
    }

    /** One reading of the server process. {@code heapUsedKib} is -1 where the heap was not read. */
    public record Sample(long millis, int sent, long rssKib, long hwmKib, int threads, long heapUsedKib,
            long heapCommittedKib) {
    }

    /**
     * @param sentByKind      storm payloads per kind
     * @param answers         acks the server published for storm payloads (those with a recoverable requestId)
     * @param refusedByBroker storm publishes on the storm connections that failed (a failure PUBACK or a lost
     *                        connection); the server never saw these
     * @param closedByBroker  of the foreign-topic and oversized ones, how many had their connection closed (or a
     *                        failure PUBACK)
     * @param acceptedOversized foreign-topic or oversized packets the broker acknowledged instead (must be 0)
     * @param unexpectedLosses storm connections lost without an oversized packet (reconnected)
     * @param before          the check before the storm, e.g. {@code login ACCEPTED, bind BOUND}
     * @param after           the same check after it
     * @param afterOk         the check after the storm was answered as it must be
     * @param alive           the server process still ran at the end
     * @param complete        every payload was sent within the time bound
     */
    public record Result(long seed, Map<Kind, Integer> sentByKind, int answers, int refusedByBroker, int closedByBroker,
            int acceptedOversized, int unexpectedLosses, long stormMillis, String before, String after,
            boolean afterOk, boolean alive, boolean complete, long rssStartKib, long rssEndKib, long rssMaxKib,
            long hwmKib, long heapMaxUsedKib, long heapMaxCommittedKib, int threadsMax, MemoryBound bound,
            List<String> jvm, List<Sample> samples) {
        public Result {
            sentByKind = Map.copyOf(sentByKind);
            jvm = List.copyOf(jvm);
            samples = List.copyOf(samples);
        }

        public int sent() {
            return sentByKind.values().stream().mapToInt(Integer::intValue).sum();
        }

        public boolean withinBound() {
            return hwmKib <= bound.totalKib();
        }

        /** Everything held: alive, answered, within the bound, every payload sent, no oversized packet taken. */
        public boolean passed() {
            return alive && afterOk && complete && withinBound() && acceptedOversized == 0;
        }

        public String summary() {
            StringBuilder b = new StringBuilder();
            b.append(String.format("server memory: seed %d, %d payloads in %.1f s (%s)%n", seed, sent(),
                    stormMillis / 1000.0, byKind()));
            b.append(String.format("  answers %d, storm publishes failed %d, foreign/oversized refused %d, "
                    + "foreign/oversized accepted %d, storm connections lost %d%n", answers, refusedByBroker, closedByBroker, acceptedOversized,
                    unexpectedLosses));
            b.append(String.format("  VmRSS start %d KiB, max sampled %d KiB, end %d KiB; VmHWM %d KiB (%.0f MiB); "
                    + "threads max %d%n", rssStartKib, rssMaxKib, rssEndKib, hwmKib, hwmKib / 1024.0, threadsMax));
            b.append(String.format("  heap used max %d KiB, committed max %d KiB%n", heapMaxUsedKib, heapMaxCommittedKib));
            b.append("  bound ").append(bound).append(withinBound() ? ": held" : ": EXCEEDED").append('\n');
            b.append("  JVM ").append(String.join(" ", jvm)).append('\n');
            b.append("  before: ").append(before).append("; after: ").append(after).append(afterOk ? "" : " (WRONG)")
                    .append(alive ? "" : "; the server DIED").append(complete ? "" : "; INCOMPLETE (time bound)")
                    .append('\n');
            b.append(passed() ? "  PASSED" : "  FAILED");
            return b.toString();
        }

        private String byKind() {
            StringBuilder b = new StringBuilder();
            for (Kind k : Kind.values()) {
                if (b.length() > 0) {
                    b.append(", ");
                }
                b.append(k.name().toLowerCase(java.util.Locale.ROOT)).append(' ').append(sentByKind.getOrDefault(k, 0));
            }
            return b.toString();
        }
    }

    private final Settings settings;
    private final Consumer<String> progress;
    private final Random random;
    private final String runId;
    private final List<Sample> samples = new ArrayList<>(); // guarded by itself
    private final AtomicInteger sent = new AtomicInteger();
    private final AtomicInteger answers = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private final AtomicLong lastAnswerNanos = new AtomicLong();
    private final Map<String, CompletableFuture<byte[]>> awaited = new ConcurrentHashMap<>();
    private ServerProcess server;
    private TestPki pki;
    private URI mqtt;
    private RawMqtt crowd;
    private volatile boolean sampling = true;
    private volatile String samplerFailure;

    private MemoryRun(Settings settings, Consumer<String> progress) {
        this.settings = settings;
        this.progress = progress;
        this.random = new Random(settings.seed());
        this.runId = Long.toString(settings.seed() & 0xFFFFFFFFL, 36).toUpperCase(java.util.Locale.ROOT);
    }

    /**
     * Runs the storm once.
     *
     * @throws BenchException when the server cannot be started or prepared (not for a failed check: see
     *                        {@link Result#passed()})
     */
    public static Result run(Settings settings, Consumer<String> progress) {
        return new MemoryRun(settings, progress).run();
    }

    private Result run() {
        Path runDir;
        try {
            Files.createDirectories(settings.logDir());
            runDir = Files.createTempDirectory("vinbind-memory-");
        } catch (IOException e) {
            throw new BenchException("cannot create the run directories: " + e.getMessage(), e);
        }
        Path dataDir = runDir.resolve("data");
        Identities ids = new Identities(settings.seed() ^ 0x3E3_0A11L);
        Identity modem = ids.modem();
        String okTerminal = "MEM-" + runId + "-ok";
        Thread sampler = null;
        try {
            register(runDir, dataDir, modem);
            ServerProcess.Launch launch = ServerProcess.Launch.likeThisJvm(settings.serverJvm(),
                    List.of("--data", dataDir.toString(), "--http-port", "0", "--mqtt-port", "0"),
                    settings.logDir().resolve("server-memory.log"));
            server = ServerProcess.start(launch);
            ServerProcess.Ready ready = server.awaitReady(READY_BOUND);
            mqtt = ready.mqtt();
            progress.accept(String.format("server %d ready in %.1f s: %s", server.pid(),
                    (ready.nanos() - server.startNanos()) / 1e9, mqtt));
            pki = TestPki.open(dataDir.resolve("pki"));
            crowd = new RawMqtt(new InetSocketAddress(mqtt.getHost(), mqtt.getPort()), "memory");
            long rssStart = status(server.pid()).get("VmRSS");
            sampler = new Thread(this::sample, "memory-sampler");
            sampler.setDaemon(true);
            sampler.start();

            String vin = ids.vin();
            String before = check(okTerminal, modem, vin, "before");
            progress.accept("before the storm: " + before);
            if (!before.equals("login ACCEPTED, bind BOUND")) {
                throw new BenchException("the server answered the check before the storm with " + before
                        + ", not login ACCEPTED, bind BOUND: the bench cannot tell a storm's harm from that");
            }

            long t0 = System.nanoTime();
            lastAnswerNanos.set(t0);
            Map<Kind, Integer> byKind = new EnumMap<>(Kind.class);
            int[] oversized = storm(ids, byKind, t0);
            awaitQuiet();
            long stormMillis = (System.nanoTime() - t0) / 1_000_000;
            boolean complete = byKind.values().stream().mapToInt(Integer::intValue).sum() == settings.payloads();

            String after;
            boolean afterOk;
            try {
                after = check(okTerminal, modem, vin, "after");
                afterOk = after.equals("login ACCEPTED, bind ALREADY_BOUND");
            } catch (BenchException e) {
                after = "no answer: " + e.getMessage();
                afterOk = false;
            }
            progress.accept("after the storm: " + after);
            pause(1000);
            boolean alive = server.isAlive();
            Map<String, Long> end = alive ? status(server.pid()) : Map.of();
            sampling = false;
            sampler.join(10_000);
            if (samplerFailure != null) {
                throw new BenchException("sampling the server's memory failed: " + samplerFailure);
            }
            List<Sample> all;
            synchronized (samples) {
                all = List.copyOf(samples);
            }
            long hwm = Math.max(end.getOrDefault("VmHWM", 0L), all.stream().mapToLong(Sample::hwmKib).max().orElse(0));
            Map<String, String> env = new HashMap<>(System.getenv());
            ServerProcess.LAUNCHER_ENVIRONMENT.forEach(env::putIfAbsent);
            Result r = new Result(settings.seed(), byKind, answers.get(), refused.get(), oversized[0], oversized[1],
                    oversized[2], stormMillis, before, after, afterOk, alive, complete, rssStart,
                    end.getOrDefault("VmRSS", 0L), all.stream().mapToLong(Sample::rssKib).max().orElse(0), hwm,
                    all.stream().mapToLong(Sample::heapUsedKib).max().orElse(-1),
                    all.stream().mapToLong(Sample::heapCommittedKib).max().orElse(-1),
                    (int) all.stream().mapToLong(Sample::threads).max().orElse(0),
                    MemoryBound.of(settings.effectiveJvm(), env), settings.effectiveJvm(), all);
            writeSamples(r);
            return r;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted", e);
        } catch (PkiException e) {
            throw new BenchException("cannot use the server's PKI in " + dataDir.resolve("pki") + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new BenchException("server memory run: " + e.getMessage(), e);
        } finally {
            sampling = false;
            if (crowd != null) {
                crowd.close();
            }
            if (server != null) {
                server.stop();
            }
            Bench.deleteTree(runDir);
        }
    }

    /** Factory registration of the one terminal's modem that checks the server before and after the storm. */
    private void register(Path runDir, Path dataDir, Identity modem) throws IOException {
        Path csv = runDir.resolve("modems.csv");
        Files.writeString(csv, "imsi,iccid,imei,batch,part_number\n" + modem.imsi().value() + ","
                + modem.iccid().value() + "," + modem.imei().value() + ",memory-" + runId + ",TBOX-MEM\n");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = ServerCli.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int status = cl.execute("import-modems", csv.toString(), "--data", dataDir.toString());
        if (status != 0) {
            throw new BenchException("server import-modems exited " + status + ": " + err + out);
        }
    }

    // ------------------------------------------------------------------------------------------------ the storm

    /** Sends the storm; returns {closed, accepted oversized, unexpected losses}. */
    private int[] storm(Identities ids, Map<Kind, Integer> byKind, long t0) throws PkiException {
        int n = settings.payloads();
        int big = settings.bigPayloads();
        int over = settings.overBrokerLimit();
        // where the connection-closing ones go: spread evenly over the storm
        Map<Integer, Kind> special = new HashMap<>();
        for (int i = 0; i < big; i++) {
            special.put((int) ((i + 1L) * n / (big + 1)), Kind.TEN_MIB);
        }
        for (int i = 0, pos = 0; i < over; i++) {
            pos = (int) ((i + 0.5) * n / over);
            while (special.containsKey(pos)) {
                pos = (pos + 1) % n;
            }
            special.put(pos, Kind.OVER_BROKER_LIMIT);
        }
        List<String> terminals = new ArrayList<>();
        List<RawMqtt.Connection> conns = new ArrayList<>();
        for (int i = 0; i < settings.connections(); i++) {
            terminals.add("MEM-" + runId + "-" + i);
            conns.add(null);
        }
        String abuser = "MEM-" + runId + "-big";
        Semaphore window = new Semaphore(WINDOW);
        int closed = 0;
        int accepted = 0;
        int losses = 0;
        long deadline = t0 + settings.timeBound().toNanos();
        long lastReport = t0;
        for (int i = 0; i < n; i++) {
            if (System.nanoTime() > deadline) {
                progress.accept("time bound " + settings.timeBound() + " reached after " + i + " payloads");
                break;
            }
            if (!server.isAlive()) {
                progress.accept("the server died after " + i + " payloads");
                break;
            }
            Kind kind = special.containsKey(i) ? special.get(i) : draw();
            if (kind.closesConnection()) {
                if (closing(abuser, kind, terminals.get(i % terminals.size()))) {
                    closed++;
                } else {
                    accepted++;
                    progress.accept("the broker acknowledged a " + kind + " packet instead of closing its connection");
                }
            } else {
                int c = i % conns.size();
                RawMqtt.Connection conn = conns.get(c);
                if (conn == null || !conn.isOpen()) {
                    if (conn != null) {
                        losses++;
                        progress.accept("storm connection " + terminals.get(c) + " was lost; reconnecting");
                    }
                    conn = connect(terminals.get(c), true);
                    conns.set(c, conn);
                }
                String terminal = terminals.get(c);
                String topic = random.nextBoolean() ? Topics.login(terminal) : Topics.bind(terminal);
                byte[] payload = payload(kind, terminal, ids, i);
                acquire(window);
                conn.publish(topic, payload).whenComplete((ok, failure) -> {
                    window.release();
                    if (failure != null) {
                        refused.incrementAndGet();
                        Logger.debug("storm publish failed: {}", failure.getMessage());
                    }
                });
            }
            byKind.merge(kind, 1, Integer::sum);
            sent.incrementAndGet();
            long now = System.nanoTime();
            if (now - lastReport > 10_000_000_000L) {
                lastReport = now;
                progress.accept(String.format("%d/%d payloads, %d answers, VmRSS %s KiB", i + 1, n, answers.get(),
                        lastRss()));
            }
        }
        try {
            if (!window.tryAcquire(WINDOW, STEP_BOUND.toMillis(), TimeUnit.MILLISECONDS)) {
                progress.accept((WINDOW - window.availablePermits()) + " storm publishes still unacknowledged after "
                        + STEP_BOUND);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted", e);
        }
        for (RawMqtt.Connection c : conns) {
            if (c != null && c.isOpen()) {
                c.disconnect();
            }
        }
        return new int[] {closed, accepted, losses};
    }

    private static void acquire(Semaphore window) {
        try {
            if (!window.tryAcquire(STEP_BOUND.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new BenchException("no PUBACK for " + WINDOW + " storm publishes within " + STEP_BOUND);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted", e);
        }
    }

    /**
     * A publish the broker must refuse, on a fresh connection of its own: a packet over its limit, or a publish on
     * {@code victim}'s topic. True when the broker closed the connection or refused the publish, false when it
     * acknowledged it.
     */
    private boolean closing(String terminal, Kind kind, String victim) throws PkiException {
        RawMqtt.Connection conn = connect(terminal, false);
        conn.expectLoss();
        int size = switch (kind) {
            case TEN_MIB -> TEN_MIB;
            case OVER_BROKER_LIMIT -> BROKER_LIMIT + 1 + random.nextInt(4096);
            default -> 0;
        };
        CompletableFuture<Void> f = size > 0 ? conn.publish(Topics.bind(terminal), filler(size, '{'))
                : conn.publish(Topics.login(victim), ("{\"version\":2,\"requestId\":\"foreign-" + runId + "\"}")
                        .getBytes(StandardCharsets.UTF_8));
        try {
            f.get(STEP_BOUND.toMillis(), TimeUnit.MILLISECONDS);
            conn.disconnect();
            return false;
        } catch (ExecutionException e) {
            return true;
        } catch (TimeoutException e) {
            throw new BenchException("the broker neither closed nor acknowledged a " + kind + " publish within "
                    + STEP_BOUND);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted", e);
        }
    }

    private Kind draw() {
        int total = 0;
        for (Kind k : Kind.values()) {
            total += k.weight;
        }
        int r = random.nextInt(total);
        for (Kind k : Kind.values()) {
            r -= k.weight;
            if (r < 0) {
                return k;
            }
        }
        throw new IllegalStateException("weights");
    }

    /** A malformed payload of the kind; most carry a requestId the server can recover and answer. */
    byte[] payload(Kind kind, String terminal, Identities ids, int i) {
        String rid = "mem-" + runId + "-" + i;
        Identity m = ids.modem();
        String valid = "{\"version\":2,\"requestId\":\"" + rid + "\",\"terminalId\":\"" + terminal + "\",\"imsi\":\""
                + m.imsi().value() + "\",\"iccid\":\"" + m.iccid().value() + "\",\"imei\":\"" + m.imei().value() + "\"}";
        return switch (kind) {
            case BAD_JSON -> switch (random.nextInt(5)) {
                case 0 -> valid.substring(0, 1 + random.nextInt(valid.length() - 1)).getBytes(StandardCharsets.UTF_8);
                case 1 -> randomBytes(1 + random.nextInt(PROTOCOL_LIMIT));
                case 2 -> ("{\"requestId\":\"" + rid + "\"," + "[".repeat(400 + random.nextInt(500)))
                        .getBytes(StandardCharsets.UTF_8);
                case 3 -> ("{\"requestId\":\"" + rid + "\"}{}").getBytes(StandardCharsets.UTF_8);
                default -> ("[\"" + rid + "\", 2, null]").getBytes(StandardCharsets.UTF_8);
            };
            case BAD_UTF8 -> {
                byte[][] bad = {{(byte) 0xC0, (byte) 0xAF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xFF},
                    {(byte) 0xE2, (byte) 0x82}, {(byte) 0xF8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80}};
                byte[] head = ("{\"version\":2,\"requestId\":\"" + rid + "\",\"terminalId\":\"")
                        .getBytes(StandardCharsets.UTF_8);
                byte[] b = bad[random.nextInt(bad.length)];
                byte[] tail = "\"}".getBytes(StandardCharsets.UTF_8);
                byte[] p = new byte[head.length + b.length + tail.length];
                System.arraycopy(head, 0, p, 0, head.length);
                System.arraycopy(b, 0, p, head.length, b.length);
                System.arraycopy(tail, 0, p, head.length + b.length, tail.length);
                yield random.nextInt(4) == 0 ? utf16(valid) : p;
            }
            case WRONG_TYPES -> (switch (random.nextInt(4)) {
                case 0 -> valid.replace("\"version\":2", "\"version\":\"2\"");
                case 1 -> valid.replace("\"imsi\":\"" + m.imsi().value() + "\"", "\"imsi\":[" + m.imsi().value() + "]");
                case 2 -> valid.replace("\"iccid\":\"" + m.iccid().value() + "\"", "\"iccid\":{\"x\":1e999}");
                default -> valid.replace("\"imei\":\"" + m.imei().value() + "\"", "\"imei\":null");
            }).getBytes(StandardCharsets.UTF_8);
            case UNKNOWN_IMSI -> valid.getBytes(StandardCharsets.UTF_8);
            case IDENTITY_MISMATCH -> valid.replace("\"terminalId\":\"" + terminal + "\"",
                    "\"terminalId\":\"" + ids.terminalId() + "\"").getBytes(StandardCharsets.UTF_8);
            case OVER_PROTOCOL_LIMIT -> padded(valid, PROTOCOL_LIMIT + 1 + random.nextInt(3 * PROTOCOL_LIMIT));
            case NEAR_BROKER_LIMIT -> padded(valid, BROKER_LIMIT - 1024 - random.nextInt(32 * 1024));
            case FOREIGN_TOPIC, OVER_BROKER_LIMIT, TEN_MIB ->
                    throw new IllegalArgumentException(kind + " is sent on a connection of its own");
        };
    }

    /** The JSON object with a long string field appended (requestId first, so the server's scan finds it). */
    private static byte[] padded(String json, int size) {
        String head = json.substring(0, json.length() - 1) + ",\"pad\":\"";
        int fill = Math.max(0, size - head.length() - 2);
        return (head + "x".repeat(fill) + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] utf16(String s) {
        return s.getBytes(StandardCharsets.UTF_16BE);
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private static byte[] filler(int size, char first) {
        byte[] b = new byte[size];
        java.util.Arrays.fill(b, (byte) ' ');
        b[0] = (byte) first;
        return b;
    }

    /** Waits until no ack arrived for {@link #QUIET} (the server has worked off its queue), at most a minute. */
    private void awaitQuiet() {
        long end = System.nanoTime() + STEP_BOUND.toNanos();
        while (System.nanoTime() < end && System.nanoTime() - lastAnswerNanos.get() < QUIET.toNanos()) {
            pause(200);
        }
    }

    // ------------------------------------------------------------------------------------------------ the check

    /** A valid login and bind from the registered terminal: "login OUTCOME, bind OUTCOME". */
    private String check(String terminal, Identity modem, String vin, String when) throws PkiException {
        RawMqtt.Connection c = connect(terminal, true);
        try {
            String loginId = "mem-" + when + "-login";
            String bindId = "mem-" + when + "-bind";
            LoginAck login = JsonCodec.decodeLoginAck(request(c, Topics.login(terminal), loginId,
                    JsonCodec.encode(LoginRequest.of(loginId, terminal, modem.imsi().value(), modem.iccid().value(),
                            modem.imei().value()))));
            BindAck bind = JsonCodec.decodeBindAck(request(c, Topics.bind(terminal), bindId,
                    JsonCodec.encode(BindRequest.of(bindId, terminal, modem.imsi().value(), modem.iccid().value(),
                            modem.imei().value(), vin, UploadReason.ASSEMBLY))));
            return "login " + login.outcome() + ", bind " + bind.outcome();
        } catch (ProtocolException e) {
            throw new BenchException("the server's ack does not decode: " + e.getMessage(), e);
        } finally {
            c.disconnect();
        }
    }

    private byte[] request(RawMqtt.Connection c, String topic, String requestId, byte[] payload) {
        CompletableFuture<byte[]> answer = new CompletableFuture<>();
        awaited.put(requestId, answer);
        try {
            c.publish(topic, payload).get(STEP_BOUND.toMillis(), TimeUnit.MILLISECONDS);
            return answer.get(STEP_BOUND.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new BenchException("request " + requestId + " failed: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new BenchException("no answer to " + requestId + " within " + STEP_BOUND, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted", e);
        } finally {
            awaited.remove(requestId);
        }
    }

    private static final Pattern REQUEST_ID = Pattern.compile("\"requestId\"\\s*:\\s*\"([^\"]{1,64})\"");

    private void message(RawMqtt.Connection c, String topic, byte[] payload) {
        lastAnswerNanos.set(System.nanoTime());
        Matcher m = REQUEST_ID.matcher(new String(payload, StandardCharsets.UTF_8));
        CompletableFuture<byte[]> f = m.find() ? awaited.get(m.group(1)) : null;
        if (f != null) {
            f.complete(payload);
        } else {
            answers.incrementAndGet();
        }
    }

    /** A TLS connection with the terminal's own certificate (issued once), subscribed to its acks if asked. */
    private RawMqtt.Connection connect(String terminal, boolean subscribe) throws PkiException {
        TestPki.Issued issued = pki.issued(io.vinbind.server.pki.Identity.Kind.TERMINAL, terminal).orElse(null);
        if (issued == null) {
            issued = pki.issueTerminal(terminal);
        }
        RawMqtt.ConnectOptions options = RawMqtt.ConnectOptions.tls(TlsMaterial.clientContext(pki.serviceCaFile(),
                issued.certificateFile(), issued.keyFile()), mqtt.getHost());
        try {
            RawMqtt.Connection c = crowd.connect(terminal, this::message, options).get(STEP_BOUND.toMillis(),
                    TimeUnit.MILLISECONDS);
            if (subscribe) {
                c.subscribe(List.of(Topics.loginAck(terminal), Topics.bindAck(terminal))).get(STEP_BOUND.toMillis(),
                        TimeUnit.MILLISECONDS);
            }
            return c;
        } catch (ExecutionException e) {
            throw new BenchException("terminal " + terminal + " cannot connect to the server's broker: "
                    + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new BenchException("terminal " + terminal + " not connected within " + STEP_BOUND, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted", e);
        }
    }

    // ------------------------------------------------------------------------------------------------ sampling

    private void sample() {
        long t0 = System.nanoTime();
        long nextHeap = 0;
        try {
            while (sampling && server.isAlive()) {
                long ms = (System.nanoTime() - t0) / 1_000_000;
                Map<String, Long> st;
                try {
                    st = status(server.pid());
                } catch (BenchException e) {
                    if (!server.isAlive()) {
                        return; // it ended between the check and the read; the run reports that
                    }
                    throw e;
                }
                long used = -1;
                long committed = -1;
                if (ms >= nextHeap) {
                    nextHeap = ms + HEAP_EVERY_MS;
                    long[] heap = heap(server.pid());
                    used = heap[0];
                    committed = heap[1];
                }
                synchronized (samples) {
                    samples.add(new Sample(ms, sent.get(), st.get("VmRSS"), st.get("VmHWM"), st.get("Threads").intValue(),
                            used, committed));
                }
                pause(RSS_EVERY_MS);
            }
        } catch (RuntimeException e) {
            samplerFailure = e.toString();
            Logger.error(e, "memory sampler failed");
        }
    }

    private String lastRss() {
        synchronized (samples) {
            return samples.isEmpty() ? "?" : Long.toString(samples.get(samples.size() - 1).rssKib());
        }
    }

    /** VmRSS, VmHWM (KiB) and Threads from {@code /proc/PID/status}. */
    static Map<String, Long> status(long pid) {
        String text;
        try {
            text = Files.readString(Path.of("/proc", Long.toString(pid), "status"));
        } catch (NoSuchFileException e) {
            throw new BenchException("process " + pid + " is gone", e);
        } catch (IOException e) {
            throw new BenchException("cannot read /proc/" + pid + "/status: " + e.getMessage(), e);
        }
        return parseStatus(text);
    }

    static Map<String, Long> parseStatus(String text) {
        Map<String, Long> out = new HashMap<>();
        for (String line : text.split("\n")) {
            for (String key : List.of("VmRSS", "VmHWM", "Threads")) {
                if (line.startsWith(key + ":")) {
                    out.put(key, Long.parseLong(line.substring(key.length() + 1).trim().split("\\s+")[0]));
                }
            }
        }
        if (out.size() != 3) {
            throw new BenchException("/proc status lacks VmRSS, VmHWM or Threads: found " + out.keySet());
        }
        return out;
    }

    /** {used, committed} KiB of the Java heap from {@code jcmd PID GC.heap_info}; {-1, -1} if jcmd fails. */
    private static long[] heap(long pid) {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        try {
            Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.heap_info").redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new long[] {-1, -1};
            }
            return parseHeap(out);
        } catch (IOException e) {
            Logger.debug("jcmd {}: {}", pid, e.getMessage());
            return new long[] {-1, -1};
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new long[] {-1, -1};
        }
    }

    static long[] parseHeap(String heapInfo) {
        for (String line : heapInfo.split("\n")) {
            Matcher m = HEAP_LINE.matcher(line);
            if (m.find() && !line.contains("Metaspace") && !line.contains("class space")) {
                return new long[] {Long.parseLong(m.group(2)), Long.parseLong(m.group(1))};
            }
        }
        return new long[] {-1, -1};
    }

    private void writeSamples(Result r) {
        Path file = settings.logDir().resolve("server-memory-" + settings.seed() + ".csv");
        StringBuilder b = new StringBuilder("millis,sent,vmrss_kib,vmhwm_kib,threads,heap_used_kib,heap_committed_kib\n");
        for (Sample s : r.samples()) {
            b.append(s.millis()).append(',').append(s.sent()).append(',').append(s.rssKib()).append(',').append(s.hwmKib())
                    .append(',').append(s.threads()).append(',').append(s.heapUsedKib()).append(',')
                    .append(s.heapCommittedKib()).append('\n');
        }
        try {
            Files.writeString(file, b);
            progress.accept("samples: " + file);
        } catch (IOException e) {
            throw new BenchException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted", e);
        }
    }
}
