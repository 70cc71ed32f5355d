package io.vinbind.hil.perf;

import io.vinbind.hil.bench.Bench;
import io.vinbind.hil.bench.BenchException;
import io.vinbind.hil.bench.Identities;
import io.vinbind.hil.crash.ServerProcess;
import io.vinbind.modem.sim.Identity;
import io.vinbind.protocol.BindAck;
import io.vinbind.protocol.BindRequest;
import io.vinbind.protocol.Heartbeat;
import io.vinbind.protocol.HeartbeatAck;
import io.vinbind.protocol.JsonCodec;
import io.vinbind.protocol.LoginAck;
import io.vinbind.protocol.LoginRequest;
import io.vinbind.protocol.MessageType;
import io.vinbind.protocol.PresenceState;
import io.vinbind.protocol.Protocol;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.tinylog.Logger;

/**
 * The presence benchmark ({@code ./vinbind bench presence}): N simulated terminals ({@link RawMqtt}, one selector
 * thread) stay connected and heartbeat against the real binding server, a separate process started as the launcher
 * starts it ({@link ServerProcess}) on PostgreSQL, with a Mosquitto process of the run's own; in the same run and
 * on the same broker the same N connections make a QoS 1 round trip through a trivial echo responder, so the
 * server's rates read as ratios to what the broker alone carries.
 *
 * <p>The broker is a plaintext private Mosquitto without vinbind's ACL ({@link PrivateMosquitto#start}), for the
 * echo <em>and</em> the heartbeat phases: with the ACL (the deployment's) a terminal may publish only its own
 * {@code vinbind/v2/{id}/…} requests, so no echo topic would be open to it, and an echo measured on another broker
 * than the heartbeats would not be a reference of the same run. What TLS with client certificates costs is
 * measured apart ({@code ./vinbind bench server}, docs/benchmarks.md "trusted channel").
 *
 * <p>Phases (each timed from its first send to its last answer; a phase ends when every request is answered or
 * nothing arrived for the quiet bound):
 * <ol>
 *   <li>connect: TCP + CONNECT/CONNACK + SUBSCRIBE, at most {@code connectWindow} handshakes in flight;</li>
 *   <li>echo-cold: one echo round trip per terminal, all at once; its payload is the terminal's heartbeat;</li>
 *   <li>heartbeat-first: one heartbeat per terminal, all at once (the terminal's first: its presence row,
 *       {@code ONLINE}/{@code FIRST_HEARTBEAT});</li>
 *   <li>heartbeat: one more per terminal, all at once (the steady path: counted, {@code last_seen} moved); with
 *       {@code rounds} above 1, then {@code echo-round-k} and {@code heartbeat-round-k} for k = 2..rounds, alternating,
 *       so that the echo and the heartbeats are measured under the same conditions;</li>
 *   <li>steady: heartbeats at a fixed aggregate rate (each terminal once per {@code interval}, spread evenly) for
 *       {@code duration}: heartbeat-to-ack latency under a rate the server is meant to keep up with, and the
 *       largest number of heartbeats seen waiting for their ack (the backlog);</li>
 *   <li>login and bind: every terminal logs in and uploads its VIN, all at once (binds/s);</li>
 *   <li>echo-warm: the echo round again, after the broker has carried the run.</li>
 * </ol>
 * The ratios take medians: the heartbeat rate is the median of the heartbeat rounds, the reference the median of
 * the echo rounds ({@code echo-round-k} and {@code echo-warm}).
 * Every ack is checked: the requestId of a heartbeat this phase sent, the topic's terminal, for a bind its VIN;
 * an ack that matches nothing is counted as wrong, a second ack of one request as a duplicate.
 *
 * <p>Memory: the server process's VmRSS and its Java heap after a full GC ({@code jcmd GC.run}, then
 * {@code GC.heap_info}), and the broker's VmRSS, with 0 terminals connected and again with N connected after the
 * heartbeats; the difference over N is the memory per connected terminal (the server's includes its warm-up: JIT
 * code, pooled buffers, so it is an upper bound).
 *
 * <p>Descriptors: one per terminal in this JVM and one in the broker's process; the hard limit of open files
 * ({@code ulimit -Hn}) bounds N, checked before the run.
 */
public final class PresenceBench {

    /** The largest fleet the bench accepts; what fits is bounded by the descriptor limit (checked at start). */
    public static final int MAX_TERMINALS = 100_000;
    /** Descriptors of this JVM (jars, selector, database) and of the broker besides the terminals' sockets. */
    public static final int DESCRIPTOR_MARGIN = 300;
    /** The warm-up's fleet: as many terminals as are measured, at most this many (its own identities). */
    public static final int WARMUP_FLEET = 5_000;
    static final String ECHO_ROOT = ServerBench.ECHO_ROOT;
    static final String ECHO_GROUP = ServerBench.ECHO_GROUP;
    /** No phase lasts longer than this, however slowly answers trickle in. */
    static final Duration PHASE_BOUND = Duration.ofMinutes(5);
    private static final Duration READY_BOUND = Duration.ofSeconds(90);

    /**
     * @param terminals     simulated terminals (1..100,000; the descriptor limit bounds what fits)
     * @param db            PostgreSQL URL; the run uses a fresh schema and drops it
     * @param dbUser        PostgreSQL user (trust authentication)
     * @param connectWindow connection handshakes in flight at most (1..10,000)
     * @param interval      each terminal's heartbeat period in the steady phase (10 ms .. 1 h)
     * @param duration      the steady phase's length (0 .. 10 min; 0 skips it)
     * @param quietBound    a phase ends when nothing arrived for this long (1 s .. 10 min)
     * @param seed          seed of the generated identities
     * @param rounds        rounds of the warm echo and of the heartbeats, alternating (1..10)
     * @param warmupRounds  rounds of the warm-up before anything is measured (0..20; 0: none)
     */
    public record Settings(int terminals, String db, String dbUser, int connectWindow, Duration interval,
            Duration duration, Duration quietBound, long seed, int rounds, int warmupRounds) {

        /** One round of the echo and the heartbeats, no warm-up. */
        public Settings(int terminals, String db, String dbUser, int connectWindow, Duration interval,
                        Duration duration, Duration quietBound, long seed) {
            this(terminals, db, dbUser, connectWindow, interval, duration, quietBound, seed, 1, 0);
        }

        public Settings {
            if (rounds < 1 || rounds > 10) {
                throw new IllegalArgumentException("rounds must be 1..10, got " + rounds);
            }
            if (warmupRounds < 0 || warmupRounds > 20) {
                throw new IllegalArgumentException("warm-up rounds must be 0..20, got " + warmupRounds);
            }
            if (terminals < 1 || terminals > MAX_TERMINALS) {
                throw new IllegalArgumentException("terminals must be 1.." + MAX_TERMINALS + ", got " + terminals);
            }
            Objects.requireNonNull(db, "db");
            Objects.requireNonNull(dbUser, "dbUser");
            if (!db.startsWith("jdbc:postgresql:")) {
                throw new IllegalArgumentException("db must be a jdbc:postgresql: URL, got " + db);
            }
            if (connectWindow < 1 || connectWindow > 10_000) {
                throw new IllegalArgumentException("connect window must be 1..10000, got " + connectWindow);
            }
            if (interval.toMillis() < 10 || interval.toHours() > 1) {
                throw new IllegalArgumentException("interval must be 10 ms .. 1 h, got " + interval);
            }
            if (duration.isNegative() || duration.toMinutes() > 10) {
                throw new IllegalArgumentException("duration must be 0 .. 10 min, got " + duration);
            }
            if (quietBound.toMillis() < 1000 || quietBound.toMinutes() > 10) {
                throw new IllegalArgumentException("quiet bound must be 1 s .. 10 min, got " + quietBound);
            }
        }

        /** Heartbeats the steady phase sends: every terminal once per interval, at least once. */
        public long steadyHeartbeats() {
            return duration.isZero() ? 0 : (long) terminals * Math.max(1, duration.toMillis() / interval.toMillis());
        }
    }

    /**
     * Memory with 0 and with N terminals connected (KiB; -1 when it could not be read).
     *
     * @param serverRss0    server process VmRSS, 0 connected
     * @param serverRssN    server process VmRSS, N connected
     * @param serverHeap0   server heap used after a full GC, 0 connected
     * @param serverHeapN   the same, N connected
     * @param brokerRss0    broker process VmRSS, 0 connected
     * @param brokerRssN    broker process VmRSS, N connected
     * @param warmupTerminals the warm-up's fleet, which ran between the two readings (0 without a warm-up): its JIT
     *                      code, heap growth and rows' caches are in the server's difference, so with a warm-up the
     *                      server's figures are an upper bound (run {@code --warmup 0} for the per-terminal figure)
     */
    public record Memory(long serverRss0, long serverRssN, long serverHeap0, long serverHeapN, long brokerRss0,
            long brokerRssN, int warmupTerminals) {

        static double perTerminal(long before, long after, int n) {
            return before < 0 || after < 0 ? Double.NaN : (after - before) * 1024.0 / n;
        }

        public String report(int n) {
            return String.format("memory per connected terminal: server RSS %.0f B (%d -> %d KiB), server heap after GC"
                    + " %.0f B (%d -> %d KiB), broker RSS %.0f B (%d -> %d KiB)%s", perTerminal(serverRss0, serverRssN, n),
                    serverRss0, serverRssN, perTerminal(serverHeap0, serverHeapN, n), serverHeap0, serverHeapN,
                    perTerminal(brokerRss0, brokerRssN, n), brokerRss0, brokerRssN, warmupTerminals == 0 ? ""
                    : "; the server's read before a warm-up of " + warmupTerminals + " terminals, so an upper bound"
                    + " (--warmup 0 for the per-terminal figure)");
        }
    }

    /**
     * A run's result.
     *
     * @param maxBacklog the most steady-phase heartbeats seen sent and not yet acked at once
     * @param duplicates second acks of a request already answered
     * @param wrong      acks matching no request of the phase (wrong requestId, terminal or VIN)
     */
    public record Result(String target, int terminals, long seed, List<ServerBench.Phase> phases, Memory memory,
            int maxBacklog, int duplicates, int wrong, String limits, List<CpuMeter.PhaseCpu> cpu) {
        public Result {
            phases = List.copyOf(phases);
            cpu = List.copyOf(cpu);
        }

        public ServerBench.Phase phase(String name) {
            return phases.stream().filter(p -> p.name().equals(name)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no phase " + name));
        }

        public int missingAcks() {
            return phases.stream().mapToInt(ServerBench.Phase::missing).sum();
        }

        /** The warm echo rounds: each {@code echo-round-k} and the last {@code echo-warm}. */
        public List<ServerBench.Phase> echoRounds() {
            return phases.stream().filter(p -> p.name().startsWith("echo-round-") || p.name().equals("echo-warm")).toList();
        }

        /** The steady-path heartbeat rounds: {@code heartbeat} and each {@code heartbeat-round-k}. */
        public List<ServerBench.Phase> heartbeatRounds() {
            return phases.stream().filter(p -> p.name().equals("heartbeat") || p.name().startsWith("heartbeat-round-"))
                    .toList();
        }

        /**
         * The reference: the median of the warm echo rounds. One burst of N round trips lasts a fraction of a second
         * and varies between bursts by up to 3 x on a shared machine; the median of rounds interleaved with the
         * heartbeat rounds compares the two under the same conditions.
         */
        public double echoRate() {
            return median(echoRounds());
        }

        /** The median of the heartbeat rounds (the server warm: its JIT, pools and caches). */
        public double heartbeatRate() {
            return median(heartbeatRounds());
        }

        public double heartbeatToEcho() {
            return heartbeatRate() / echoRate();
        }

        public double bindToEcho() {
            return phase("bind").ratePerSecond() / echoRate();
        }

        static double median(List<ServerBench.Phase> rounds) {
            double[] r = rounds.stream().mapToDouble(ServerBench.Phase::ratePerSecond).sorted().toArray();
            if (r.length == 0) {
                throw new IllegalStateException("no rounds");
            }
            return r.length % 2 == 1 ? r[r.length / 2] : (r[r.length / 2 - 1] + r[r.length / 2]) / 2;
        }

        private static String spread(List<ServerBench.Phase> rounds) {
            if (rounds.size() == 1) {
                return "1 round";
            }
            java.util.DoubleSummaryStatistics st = rounds.stream().mapToDouble(ServerBench.Phase::ratePerSecond)
                    .summaryStatistics();
            return String.format("median of %d rounds, %.0f..%.0f", rounds.size(), st.getMin(), st.getMax());
        }

        /** The figures, one line each. */
        public String report() {
            StringBuilder b = new StringBuilder();
            b.append("## presence bench: ").append(terminals).append(" terminals against ").append(target)
                    .append(" (seed ").append(seed).append(")\n");
            phases.forEach(p -> b.append(p).append('\n'));
            b.append(String.format("heartbeats/s %.0f (%s) = %.2f x the warm echo rate %.0f/s (%s; cold %.0f/s) on the"
                    + " same broker; binds/s %.0f = %.2f x%n", heartbeatRate(), spread(heartbeatRounds()),
                    heartbeatToEcho(), echoRate(), spread(echoRounds()), phase("echo-cold").ratePerSecond(),
                    phase("bind").ratePerSecond(), bindToEcho()));
            phases.stream().filter(p -> p.name().equals("steady")).findFirst().ifPresent(s -> b.append(String.format(
                    "steady: %.0f heartbeats/s offered and acked, latency %s, backlog at most %d un-acked%n",
                    s.ratePerSecond(), s.latency(), maxBacklog)));
            b.append(memory.report(terminals)).append('\n');
            b.append("CPU per answered request, each process from /proc (us; postgres: every postgres process; read in"
                    + " 10 ms ticks, so a phase much shorter than a second reads coarsely):\n");
            cpu.forEach(c -> b.append("  ").append(c).append('\n'));
            b.append("limits: ").append(limits).append('\n');
            b.append(String.format("missing answers %d, duplicate acks %d, wrong acks %d", missingAcks(), duplicates,
                    wrong));
            return b.toString();
        }
    }

    private final Settings settings;
    private final Consumer<String> progress;
    private final String runId = UUID.randomUUID().toString().substring(0, 8);
    private final String session = "bench-" + runId;
    /** The measured fleet, and the warm-up fleet (other identities, registered too; empty without a warm-up). */
    private final Fleet measured;
    private final Fleet warmup;
    /** A source of fresh VINs for the warm-up's rebinds, never one of either fleet's. */
    private final Identities spareVins;
    private final Set<String> usedVins = new HashSet<>();

    // the fleet the phases work on (set by use() on the main thread; volatile because the selector thread reads
    // them for every answer: the warm-up's arrays are swapped for the measured fleet's between phases)
    private volatile int n;
    private volatile String[] tid;
    private volatile Identity[] modems;
    private volatile String[] vin;
    private volatile Map<String, Integer> index;
    private volatile RawMqtt.Connection[] conns;
    private volatile int[] sequence;
    private volatile boolean[] loggedIn;
    /** The same fleet as one reference: what the selector thread reads, once per answer, so it never mixes two. */
    private volatile Fleet current;

    // per phase: written on the selector thread, read after the phase under this
    private volatile int phaseNo;
    private volatile String phaseName = "";
    private long[] sent = new long[0];
    private long[] done = new long[0];
    private String[] outcome = new String[0];
    private final AtomicInteger answered = new AtomicInteger();
    private volatile long lastAnswer;
    private int duplicates;
    private int wrong;
    private volatile int maxBacklog;
    private CpuMeter cpuMeter;
    private CpuMeter.Reading phaseCpuStart;
    private final List<CpuMeter.PhaseCpu> cpu = new ArrayList<>();

    /** One set of simulated terminals: identities, and their connections once connected. */
    private static final class Fleet {
        final String[] tid;
        final Identity[] modems;
        final String[] vin;
        final Map<String, Integer> index = new HashMap<>();
        final RawMqtt.Connection[] conns;
        final int[] sequence;
        final boolean[] loggedIn;

        Fleet(String prefix, int size, Identities ids, Set<String> imsis, Set<String> vins) {
            tid = new String[size];
            modems = new Identity[size];
            vin = new String[size];
            conns = new RawMqtt.Connection[size];
            sequence = new int[size];
            loggedIn = new boolean[size];
            for (int i = 0; i < size; i++) {
                Identity m;
                do {
                    m = ids.modem();
                } while (!imsis.add(m.imsi().value()));
                modems[i] = m;
                tid[i] = prefix + i;
                index.put(tid[i], i);
                String v;
                do {
                    v = ids.vin();
                } while (!vins.add(v));
                vin[i] = v;
            }
        }
    }

    private PresenceBench(Settings settings, Consumer<String> progress) {
        this.settings = settings;
        this.progress = progress;
        Identities ids = new Identities(settings.seed());
        Set<String> imsis = new HashSet<>();
        this.measured = new Fleet("PRES-" + runId + "-", settings.terminals(), ids, imsis, usedVins);
        this.warmup = new Fleet("WARM-" + runId + "-", settings.warmupRounds() == 0 ? 0
                : Math.min(settings.terminals(), WARMUP_FLEET), ids, imsis, usedVins);
        this.spareVins = new Identities(settings.seed() ^ 0x5eed_0f_7a1eL);
        use(measured);
    }

    private void use(Fleet f) {
        current = f;
        n = f.tid.length;
        tid = f.tid;
        modems = f.modems;
        vin = f.vin;
        index = f.index;
        conns = f.conns;
        sequence = f.sequence;
        loggedIn = f.loggedIn;
    }

    /**
     * Runs the benchmark once.
     *
     * @throws BenchException when the descriptors do not suffice, or the broker, database or server does not start
     */
    public static Result run(Settings settings, Consumer<String> progress) {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(progress, "progress");
        long limit = openFileLimit();
        if (settings.terminals() + DESCRIPTOR_MARGIN > limit) {
            throw new BenchException(settings.terminals() + " terminals need about " + (settings.terminals()
                    + DESCRIPTOR_MARGIN) + " open files in this JVM and in the broker, the limit is " + limit
                    + " (raise it with ulimit -n, at most the hard limit ulimit -Hn)");
        }
        return new PresenceBench(settings, progress).run();
    }

    /** The limit of open files of this process (the JVM raises its soft limit to the hard one at start). */
    public static long openFileLimit() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
                    return soft.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(soft);
                }
            }
        } catch (IOException | NumberFormatException e) {
            return Long.MAX_VALUE;
        }
        return Long.MAX_VALUE;
    }

    private Result run() {
        Path dir;
        try {
            dir = Files.createTempDirectory("vinbind-perf-presence-");
        } catch (IOException e) {
            throw new BenchException("cannot create a temp directory: " + e.getMessage(), e);
        }
        String schema = "presence_" + runId;
        PrivateMosquitto mosquitto = null;
        ServerProcess server = null;
        try {
            mosquitto = PrivateMosquitto.start(Files.createDirectories(dir.resolve("mosquitto")));
            Path data = Files.createDirectories(dir.resolve("server"));
            List<String> storage = List.of("--data", data.toString(), "--db", settings.db(), "--db-user",
                    settings.dbUser(), "--db-schema", schema);
            register(dir, storage);
            List<String> args = new ArrayList<>(storage);
            args.addAll(List.of("--mqtt", mosquitto.uri().toString(), "--http-port", "0", "--instance-id",
                    "vinbind-presence-" + runId));
            server = ServerProcess.start(ServerProcess.Launch.likeThisJvm(List.of(), args, dir.resolve("server.log")));
            server.awaitReady(READY_BOUND);
            cpuMeter = new CpuMeter(server.pid(), mosquitto.pid());
            String target = "server process (launcher JVM options) + private mosquitto " + mosquitto.uri()
                    + " (plaintext, no ACL; " + PrivateMosquitto.SETTINGS + ") + PostgreSQL " + settings.db();
            progress.accept("presence bench: " + n + " terminals against " + target + " (seed " + settings.seed() + ")");
            pause(1000);
            URI broker = mosquitto.uri();
            try (RawMqtt crowd = new RawMqtt(new InetSocketAddress(broker.getHost(), broker.getPort()), "presence-crowd");
                 RawMqtt echoSide = new RawMqtt(new InetSocketAddress(broker.getHost(), broker.getPort()), "presence-echo")) {
                startEcho(echoSide);
                List<ServerBench.Phase> phases = new ArrayList<>();
                long[] server0 = serverMemory(server.pid());
                long broker0 = MemoryRun.status(mosquitto.pid()).get("VmRSS");
                if (settings.warmupRounds() > 0) {
                    warmUp(crowd, phases, schema);
                }
                phases.add(report(connectAll(crowd, "connect")));
                phases.add(report(echo("echo-cold")));
                phases.add(report(heartbeats("heartbeat-first")));
                phases.add(report(heartbeats("heartbeat")));
                for (int round = 2; round <= settings.rounds(); round++) { // interleaved: both under the same load
                    phases.add(report(echo("echo-round-" + round)));
                    phases.add(report(heartbeats("heartbeat-round-" + round)));
                }
                if (settings.steadyHeartbeats() > 0) {
                    phases.add(report(steady()));
                }
                long[] serverN = serverMemory(server.pid());
                long brokerN = MemoryRun.status(mosquitto.pid()).get("VmRSS");
                ServerBench.Phase login = report(login("login"));
                for (int k = 0; k < n; k++) {
                    loggedIn[k] = "ACCEPTED".equals(outcome[k]);
                }
                phases.add(login);
                phases.add(report(bind("bind")));
                phases.add(report(echo("echo-warm")));
                for (RawMqtt.Connection c : conns) {
                    if (c != null) {
                        c.disconnect();
                    }
                }
                String limits = limitsInForce(schema);
                synchronized (this) {
                    return new Result(target, n, settings.seed(), phases, new Memory(server0[0], serverN[0], server0[1],
                            serverN[1], broker0, brokerN, warmup.tid.length), maxBacklog, duplicates, wrong, limits, cpu);
                }
            }
        } catch (IOException e) {
            throw new BenchException("presence bench: " + e.getMessage(), e);
        } finally {
            if (server != null) {
                server.stop();
            }
            if (mosquitto != null) {
                mosquitto.close();
            }
            dropSchema(schema);
            Bench.deleteTree(dir);
        }
    }

    private ServerBench.Phase report(ServerBench.Phase p) {
        progress.accept(p.toString());
        return p;
    }

    /** The factory's CSV import, as {@code ./vinbind server import-modems} does it, before the server starts. */
    private void register(Path dir, List<String> storage) throws IOException {
        StringBuilder csv = new StringBuilder("imsi,iccid,imei,batch,part_number\n");
        for (Identity m : java.util.stream.Stream.concat(java.util.Arrays.stream(measured.modems),
                java.util.Arrays.stream(warmup.modems)).toList()) {
            csv.append(m.imsi().value()).append(',').append(m.iccid().value()).append(',').append(m.imei().value())
                    .append(",presence-").append(runId).append(",TBOX-PERF\n");
        }
        Path file = dir.resolve("modems.csv");
        Files.writeString(file, csv);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        picocli.CommandLine cl = ServerCli.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        List<String> args = new ArrayList<>(List.of("import-modems", file.toString()));
        args.addAll(storage);
        long t0 = System.nanoTime();
        int status = cl.execute(args.toArray(String[]::new));
        if (status != 0) {
            throw new BenchException("server import-modems exited " + status + ": " + err + out);
        }
        progress.accept(String.format("factory CSV import: %d modems in %.0f ms", n, (System.nanoTime() - t0) / 1e6));
    }

    /** {VmRSS, heap used after a full GC} KiB of the server process. */
    private static long[] serverMemory(long pid) {
        jcmd(pid, "GC.run");
        long[] heap = MemoryRun.parseHeap(jcmd(pid, "GC.heap_info"));
        return new long[] {MemoryRun.status(pid).get("VmRSS"), heap[0]};
    }

    private static String jcmd(long pid, String command) {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        try {
            Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "";
            }
            return out;
        } catch (IOException e) {
            Logger.warn("jcmd {} {}: {}", pid, command, e.getMessage());
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private void startEcho(RawMqtt echoSide) {
        RawMqtt.Connection responder = ServerBench.await(echoSide.connect("vinbind-presence-echo-" + runId, (c, topic, payload) -> {
            String reply = topic.substring(0, topic.length() - "/req".length()) + "/resp";
            c.publish(reply, payload).whenComplete((ok, err) -> {
                if (err != null) {
                    Logger.warn("echo reply on {} failed: {}", reply, err.getMessage());
                }
            });
        }), "echo responder connect");
        ServerBench.await(responder.subscribe(List.of("$share/" + ECHO_GROUP + "/" + ECHO_ROOT + "/+/req")), "echo responder subscribe");
    }

    /**
     * The warm-up, before anything is measured: a fleet of other identities (at most {@link #WARMUP_FLEET})
     * connects and runs {@code warmupRounds} rounds of an echo, a heartbeat, a login and a bind (the first round
     * binds, later ones rebind to a fresh VIN, as after a part swap), then disconnects; then the schema's tables are
     * analysed. Without it the phases measure a JVM still compiling (its JIT threads took half of the server's CPU
     * and the bench's own code ran interpreted at first) and a database planning on tables it has no statistics
     * of (the group reads' IN lists were planned as sequential scans while the tables were small, and PostgreSQL
     * keeps such a generic plan until the table is analysed: autovacuum does it within a minute in a deployment).
     */
    private void warmUp(RawMqtt crowd, List<ServerBench.Phase> phases, String schema) {
        use(warmup);
        phases.add(report(connectAll(crowd, "warmup-connect")));
        for (int round = 1; round <= settings.warmupRounds(); round++) {
            phases.add(report(echo("warmup-echo-" + round)));
            phases.add(report(heartbeats("warmup-heartbeat-" + round)));
            phases.add(report(login("warmup-login-" + round)));
            for (int k = 0; k < n; k++) {
                loggedIn[k] = "ACCEPTED".equals(outcome[k]);
            }
            if (round > 1) {
                for (int k = 0; k < n; k++) {
                    String v;
                    do {
                        v = spareVins.vin();
                    } while (!usedVins.add(v));
                    vin[k] = v;
                }
            }
            phases.add(report(bind("warmup-bind-" + round)));
        }
        for (RawMqtt.Connection c : conns) {
            if (c != null) {
                c.disconnect();
            }
        }
        analyze(schema);
        use(measured);
        pause(1000);
    }

    /** ANALYZE every table of the run's schema, as autovacuum does in a deployment once enough rows changed. */
    private void analyze(String schema) {
        long t0 = System.nanoTime();
        try (Connection c = DriverManager.getConnection(settings.db(), settings.dbUser(), "");
             Statement st = c.createStatement()) {
            List<String> tables = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("SELECT tablename FROM pg_tables WHERE schemaname = '" + schema + "'")) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
            for (String t : tables) {
                st.execute("ANALYZE \"" + schema + "\".\"" + t + "\"");
            }
            progress.accept(String.format("warm-up: %d tables of %s analysed in %.0f ms", tables.size(), schema,
                    (System.nanoTime() - t0) / 1e6));
        } catch (SQLException e) {
            throw new BenchException("cannot analyse the schema " + schema + ": " + e.getMessage(), e);
        }
    }

    private ServerBench.Phase connectAll(RawMqtt crowd, String name) {
        beginPhase(name, n);
        Semaphore window = new Semaphore(settings.connectWindow());
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            ServerBench.acquire(window);
            int k = i;
            sent[k] = System.nanoTime();
            RawMqtt.Connection[] into = conns; // the fleet connecting now, whenever its callback runs
            crowd.connect(tid[k], this::message, RawMqtt.ConnectOptions.plaintext())
                    .thenCompose(c -> {
                        into[k] = c;
                        return c.subscribe(List.of(Topics.heartbeatAck(tid[k]), Topics.loginAck(tid[k]),
                                Topics.bindAck(tid[k]), ECHO_ROOT + "/" + tid[k] + "/resp"));
                    })
                    .whenComplete((ok, err) -> {
                        window.release();
                        if (err == null) {
                            answer(k, "OK", System.nanoTime());
                        } else {
                            Logger.warn("terminal {} did not connect: {}", k, err.getMessage());
                        }
                    });
        }
        return endPhase(n, t0);
    }

    private byte[] heartbeat(int k, int slot) {
        int seq = ++sequence[k];
        return JsonCodec.encode(new Heartbeat(Protocol.VERSION, "hb." + phaseNo + "." + slot, tid[k], session, seq,
                PresenceState.ALIVE, 1));
    }

    private ServerBench.Phase echo(String name) {
        beginPhase(name, n);
        long t0 = System.nanoTime();
        int requests = 0;
        for (int k = 0; k < n; k++) {
            if (conns[k] == null) {
                continue;
            }
            requests++;
            byte[] payload = JsonCodec.encode(new Heartbeat(Protocol.VERSION, "echo." + k, tid[k], session, 1,
                    PresenceState.ALIVE, 1));
            sent[k] = System.nanoTime();
            publish(k, ECHO_ROOT + "/" + tid[k] + "/req", payload);
        }
        return endPhase(requests, t0);
    }

    private ServerBench.Phase heartbeats(String name) {
        beginPhase(name, n);
        long t0 = System.nanoTime();
        int requests = 0;
        for (int k = 0; k < n; k++) {
            if (conns[k] == null) {
                continue;
            }
            requests++;
            byte[] payload = heartbeat(k, k);
            sent[k] = System.nanoTime();
            publish(k, Topics.heartbeat(tid[k]), payload);
        }
        return endPhase(requests, t0);
    }

    /** Every terminal once per interval, the sends spread evenly: the g-th goes at t0 + g x interval / N. */
    private ServerBench.Phase steady() {
        long total = settings.steadyHeartbeats();
        if (total > Integer.MAX_VALUE - 8) {
            throw new BenchException("the steady phase would send " + total + " heartbeats; shorten --duration");
        }
        int slots = (int) total;
        beginPhase("steady", slots);
        double gapNanos = (double) settings.interval().toNanos() / n;
        long t0 = System.nanoTime();
        long hardEnd = t0 + settings.duration().toNanos() + PHASE_BOUND.toNanos();
        int requests = 0;
        for (int g = 0; g < slots; g++) {
            long due = t0 + (long) (g * gapNanos);
            long now;
            while ((now = System.nanoTime()) < due) {
                if (due - now > 2_000_000) {
                    pause(1);
                } else {
                    Thread.onSpinWait();
                }
            }
            if (now > hardEnd) {
                Logger.warn("steady: the sender fell {} behind; {} heartbeats not sent", Duration.ofNanos(now - due),
                        slots - g);
                break;
            }
            int k = g % n;
            if (conns[k] == null) {
                continue;
            }
            requests++;
            byte[] payload = heartbeat(k, g);
            synchronized (this) {
                sent[g] = System.nanoTime();
            }
            int backlog = requests - answered.get();
            if (backlog > maxBacklog) {
                maxBacklog = backlog;
            }
            publish(k, Topics.heartbeat(tid[k]), payload);
        }
        return endPhase(requests, t0);
    }

    private ServerBench.Phase login(String name) {
        beginPhase(name, n);
        long t0 = System.nanoTime();
        int requests = 0;
        for (int k = 0; k < n; k++) {
            if (conns[k] == null) {
                continue;
            }
            requests++;
            Identity m = modems[k];
            byte[] payload = JsonCodec.encode(LoginRequest.of("lg." + phaseNo + "." + k, tid[k], m.imsi().value(),
                    m.iccid().value(), m.imei().value()));
            sent[k] = System.nanoTime();
            publish(k, Topics.login(tid[k]), payload);
        }
        return endPhase(requests, t0);
    }

    private ServerBench.Phase bind(String name) {
        beginPhase(name, n);
        long t0 = System.nanoTime();
        int requests = 0;
        for (int k = 0; k < n; k++) {
            if (conns[k] == null || !loggedIn[k]) {
                continue;
            }
            requests++;
            Identity m = modems[k];
            byte[] payload = JsonCodec.encode(BindRequest.of("bd." + phaseNo + "." + k, tid[k], m.imsi().value(),
                    m.iccid().value(), m.imei().value(), vin[k], UploadReason.ASSEMBLY));
            sent[k] = System.nanoTime();
            publish(k, Topics.bind(tid[k]), payload);
        }
        return endPhase(requests, t0);
    }

    private void publish(int k, String topic, byte[] payload) {
        conns[k].publish(topic, payload).whenComplete((ok, err) -> {
            if (err != null) {
                Logger.warn("{}: terminal {} publish failed: {}", phaseName, k, err.getMessage());
            }
        });
    }

    /** Every PUBLISH a terminal receives (selector thread). */
    private void message(RawMqtt.Connection c, String topic, byte[] payload) {
        long now = System.nanoTime();
        Fleet f = current;
        try {
            if (topic.startsWith(ECHO_ROOT + "/")) {
                Integer k = f.index.get(topic.substring(ECHO_ROOT.length() + 1, topic.length() - "/resp".length()));
                if (k != null && (phaseName.startsWith("echo") || phaseName.startsWith("warmup-echo"))) {
                    answer(k, "OK", now);
                } else {
                    wrong("echo on " + topic + " in phase " + phaseName);
                }
                return;
            }
            TopicAddress a = Topics.parse(topic);
            Integer k = f.index.get(a.terminalId());
            if (k == null) {
                wrong("an answer on " + topic + " for no terminal of this run");
                return;
            }
            switch (a.type()) {
                case HEARTBEAT_ACK -> {
                    HeartbeatAck ack = JsonCodec.decode(payload, HeartbeatAck.class);
                    int slot = slotOf(ack.requestId(), "hb.");
                    if (slot < 0 || slot % f.tid.length != k || !ack.terminalId().equals(f.tid[k])) {
                        wrong("heartbeat ack " + ack + " on " + topic + " in phase " + phaseName);
                    } else {
                        answer(slot, "OK", now);
                    }
                }
                case LOGIN_ACK -> {
                    LoginAck ack = JsonCodec.decodeLoginAck(payload);
                    int slot = slotOf(ack.requestId(), "lg.");
                    if (slot != k) {
                        wrong("login ack " + ack + " in phase " + phaseName);
                    } else {
                        answer(k, ack.outcome() + (ack.reason() == ReasonCode.NONE ? "" : "/" + ack.reason()), now);
                    }
                }
                case BIND_ACK -> {
                    BindAck ack = JsonCodec.decodeBindAck(payload);
                    int slot = slotOf(ack.requestId(), "bd.");
                    if (slot != k || !ack.vin().equals(f.vin[k])) {
                        wrong("bind ack " + ack + " in phase " + phaseName);
                    } else {
                        answer(k, ack.outcome() + (ack.reason() == ReasonCode.NONE ? "" : "/" + ack.reason()), now);
                    }
                }
                default -> wrong("unexpected " + a.type() + " on " + topic);
            }
        } catch (ProtocolException | IllegalArgumentException e) {
            wrong("undecodable message on " + topic + ": " + e.getMessage());
        }
    }

    /** The slot a requestId {@code PREFIX PHASE . SLOT} names, or -1 when it is not of this phase. */
    private int slotOf(String requestId, String prefix) {
        String head = prefix + phaseNo + ".";
        if (!requestId.startsWith(head)) {
            return -1;
        }
        try {
            int slot = Integer.parseInt(requestId.substring(head.length()));
            return slot >= 0 && slot < done.length ? slot : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private synchronized void wrong(String what) {
        wrong++;
        if (wrong <= 10) {
            Logger.warn("presence bench: {}", io.vinbind.log.Untrusted.escape(what, 400));
        }
    }

    private synchronized void beginPhase(String name, int slots) {
        phaseNo++;
        phaseName = name;
        sent = new long[slots];
        done = new long[slots];
        outcome = new String[slots];
        answered.set(0);
        lastAnswer = System.nanoTime();
        phaseCpuStart = cpuMeter == null ? null : cpuMeter.read();
    }

    private synchronized void answer(int slot, String what, long now) {
        if (done[slot] != 0) {
            duplicates++;
            return;
        }
        done[slot] = now;
        outcome[slot] = what;
        lastAnswer = now;
        answered.incrementAndGet();
        notifyAll();
    }

    private ServerBench.Phase endPhase(int requests, long t0) {
        long hardEnd = System.nanoTime() + PHASE_BOUND.toNanos();
        synchronized (this) {
            while (answered.get() < requests) {
                long quietLeft = Math.min(lastAnswer + settings.quietBound().toNanos(), hardEnd) - System.nanoTime();
                if (quietLeft <= 0) {
                    Logger.warn("{}: {} of {} requests unanswered after {} without an answer", phaseName,
                            requests - answered.get(), requests, settings.quietBound());
                    break;
                }
                try {
                    wait(Math.max(1, quietLeft / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new BenchException("interrupted in the " + phaseName + " phase", e);
                }
            }
            long last = t0;
            long[] lat = new long[answered.get()];
            int j = 0;
            Map<String, Integer> outcomes = new TreeMap<>();
            for (int s = 0; s < done.length; s++) {
                if (done[s] != 0 && j < lat.length) {
                    lat[j++] = done[s] - sent[s];
                    last = Math.max(last, done[s]);
                    outcomes.merge(outcome[s], 1, Integer::sum);
                }
            }
            if (phaseCpuStart != null) {
                cpu.add(CpuMeter.between(phaseName, answered.get(), phaseCpuStart, cpuMeter.read()));
            }
            return new ServerBench.Phase(phaseName, requests, answered.get(), last - t0, Latencies.ofNanos(lat), outcomes);
        }
    }

    /** What the presence rows say after the run: the limits versions and online counts (one line). */
    private String limitsInForce(String schema) {
        try (Connection c = DriverManager.getConnection(settings.db(), settings.dbUser(), "");
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT COUNT(*), SUM(CASE WHEN online THEN 1 ELSE 0 END),"
                     + " MIN(config_version), MAX(config_version), MIN(heartbeat_interval_s), MAX(heartbeat_interval_s)"
                     + " FROM " + schema + ".presence WHERE terminal_id LIKE 'PRES-" + runId + "-%'")) {
            rs.next();
            return String.format("%d presence rows, %d online, config versions %d..%d, heartbeat interval %d..%d s",
                    rs.getLong(1), rs.getLong(2), rs.getInt(3), rs.getInt(4), rs.getInt(5), rs.getInt(6));
        } catch (SQLException e) {
            return "unreadable: " + e.getMessage();
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

    private void dropSchema(String schema) {
        try (Connection c = DriverManager.getConnection(settings.db(), settings.dbUser(), "");
             Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        } catch (SQLException e) {
            Logger.warn("could not drop PostgreSQL schema {}: {}", schema, e.getMessage());
        }
    }
}
