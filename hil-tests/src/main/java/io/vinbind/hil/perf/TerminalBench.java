package io.vinbind.hil.perf;

import io.vinbind.can.CanChannel;
import io.vinbind.can.CanChannels;
import io.vinbind.can.CanException;
import io.vinbind.can.uds.UdsClient;
import io.vinbind.can.vehicle.PowerMode;
import io.vinbind.hil.bench.Bench;
import io.vinbind.hil.bench.BenchException;
import io.vinbind.hil.bench.BenchTerminal;
import io.vinbind.hil.bench.CanTransport;
import io.vinbind.hil.bench.Identities;
import io.vinbind.hil.bench.ModemTransport;
import io.vinbind.hil.bench.TransitionLog;
import io.vinbind.hil.crash.DaemonProcess;
import io.vinbind.modem.Modem;
import io.vinbind.modem.ModemConfig;
import io.vinbind.modem.sim.NetworkOutcome;
import io.vinbind.terminal.adapter.AtModemPort;
import io.vinbind.terminal.adapter.MqttBindingUplink;
import io.vinbind.terminal.adapter.UdsVinReader;
import io.vinbind.terminal.config.ConfigException;
import io.vinbind.terminal.config.TerminalConfig;
import io.vinbind.terminal.daemon.TerminalDaemon;
import io.vinbind.terminal.daemon.TerminalStartException;
import io.vinbind.terminal.machine.BindingState;
import io.vinbind.terminal.port.PowerModeSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tinylog.Logger;

/**
 * The terminal benchmark, against the ECU and modem simulators on socat pty pairs (SLCAN, AT through
 * jSerialComm) with zero network-search delay, and the embedded server (the terminal connects to the broker
 * directly, without the bench's network relay):
 * <ol>
 *   <li><b>ACC to flag cleared</b>: terminal-core's daemon in this JVM, built from the bench's
 *       {@code terminal.properties} with its real adapters, each wrapped to note how long the machine waited on
 *       the bus, the modem, the broker and the server ({@link TimedPorts}); ACC is fed straight to the daemon.
 *       Each run replaces the modem first (a new factory-registered IMSI), so every run is a full binding
 *       (MODEM_REPLACED, answered REBOUND);</li>
 *   <li><b>JVM start to first CAN request</b>: the daemon as a process ({@code java -Xmx… TerminalCli --config}),
 *       ignition already ON, fresh state directory; from the process start to the first UDS ReadDataByIdentifier
 *       VIN request the ECU simulator counts;</li>
 *   <li><b>memory</b>: a daemon process with the given {@code -Xmx} after a complete binding, at rest: VmRSS and
 *       VmHWM from {@code /proc/<pid>/status} and the heap from {@code jcmd <pid> GC.heap_info}.</li>
 * </ol>
 */
public final class TerminalBench {

    /** Warm-up bindings before the timed ones (JIT, connection pools, the server's first statements). */
    static final int WARM_UP = 2;
    private static final Duration BOUND = Duration.ofSeconds(30);

    /**
     * @param runs   timed bindings (1..1000)
     * @param starts daemon processes for the start-up measurement (1..50)
     * @param xmx    heap limit of the measured processes, e.g. {@code 32m}
     */
    public record Settings(int runs, int starts, String xmx) {
        public Settings {
            if (runs < 1 || runs > 1000) {
                throw new IllegalArgumentException("runs must be 1..1000, got " + runs);
            }
            if (starts < 1 || starts > 50) {
                throw new IllegalArgumentException("starts must be 1..50, got " + starts);
            }
            Objects.requireNonNull(xmx, "xmx");
            if (!xmx.matches("[0-9]+[kKmMgG]")) {
                throw new IllegalArgumentException("xmx must look like 32m, got '" + xmx + "'");
            }
        }
    }

    /** One timed binding: total and the waits by party (ms), and the state durations (ms). */
    public record Run(double totalMillis, Map<TimedPorts.Party, Double> waitMillis, double readGapMillis,
            double disconnectMillis, Map<BindingState, Double> stateMillis, String outcome) {
        public Run {
            waitMillis = Map.copyOf(waitMillis);
            stateMillis = Map.copyOf(stateMillis);
            Objects.requireNonNull(outcome, "outcome");
        }

        double ownMillis() {
            return totalMillis - waitMillis.values().stream().mapToDouble(Double::doubleValue).sum();
        }
    }

    /** One daemon process start: to first log line, daemon running, first UDS request (ms from process start). */
    public record Start(double firstLogMillis, double runningMillis, double firstRequestMillis) {
    }

    /** Memory of one daemon process at rest after a binding. */
    public record Memory(String jvmOptions, long rssKb, long hwmKb, String heapInfo, long heapUsedKb,
            long heapCommittedKb, long metaspaceUsedKb, String nativeMemory) {
    }

    /** Everything measured. */
    public record Result(List<Run> runs, List<Run> kept, List<Start> starts, List<Memory> memory) {
        public Result {
            runs = List.copyOf(runs);
            kept = List.copyOf(kept);
            starts = List.copyOf(starts);
            memory = List.copyOf(memory);
        }

        /** A readable report (what docs/benchmarks.md takes its figures from). */
        public String report() {
            StringBuilder b = new StringBuilder();
            b.append(String.format("## terminal: ACC to flag cleared, %d runs (after %d warm-up), ms%n", runs.size(), WARM_UP));
            b.append(row("total ACC -> flag cleared", runs.stream().mapToDouble(Run::totalMillis).toArray()));
            for (TimedPorts.Party p : TimedPorts.Party.values()) {
                b.append(row("  waiting on " + p.name().toLowerCase(java.util.Locale.ROOT),
                        runs.stream().mapToDouble(r -> r.waitMillis().getOrDefault(p, 0.0)).toArray()));
            }
            b.append(row("    of which MQTT disconnect after the ack", runs.stream().mapToDouble(Run::disconnectMillis).toArray()));
            b.append(row("  terminal's own time", runs.stream().mapToDouble(Run::ownMillis).toArray()));
            b.append(row("    of which the pause between VIN reads", runs.stream().mapToDouble(Run::readGapMillis).toArray()));
            b.append("time in each state, ms:\n");
            for (BindingState s : BindingState.values()) {
                double[] v = runs.stream().filter(r -> r.stateMillis().containsKey(s))
                        .mapToDouble(r -> r.stateMillis().get(s)).toArray();
                if (v.length > 0) {
                    b.append(row("  " + s, v));
                }
            }
            b.append("outcomes: ").append(runs.stream().map(Run::outcome).toList()).append('\n');
            b.append(String.format("## terminal: ACC to flag cleared with the kept session (the daemon's own uplink), %d"
                    + " runs (after %d warm-up), ms%n", kept.size(), WARM_UP));
            b.append(row("total ACC -> flag cleared", kept.stream().mapToDouble(Run::totalMillis).toArray()));
            for (TimedPorts.Party p : List.of(TimedPorts.Party.BUS, TimedPorts.Party.MODEM)) {
                b.append(row("  waiting on " + p.name().toLowerCase(java.util.Locale.ROOT),
                        kept.stream().mapToDouble(r -> r.waitMillis().getOrDefault(p, 0.0)).toArray()));
            }
            b.append(row("  the rest (session, server, own time)", kept.stream().mapToDouble(Run::ownMillis).toArray()));
            b.append("time in each state, ms:\n");
            for (BindingState s : BindingState.values()) {
                double[] v = kept.stream().filter(r -> r.stateMillis().containsKey(s))
                        .mapToDouble(r -> r.stateMillis().get(s)).toArray();
                if (v.length > 0) {
                    b.append(row("  " + s, v));
                }
            }
            b.append("outcomes: ").append(kept.stream().map(Run::outcome).toList()).append('\n');
            b.append(String.format("## terminal: JVM start to first CAN request, %d daemon processes, ms%n", starts.size()));
            b.append(row("first log line", starts.stream().mapToDouble(Start::firstLogMillis).toArray()));
            b.append(row("daemon running (ports open)", starts.stream().mapToDouble(Start::runningMillis).toArray()));
            b.append(row("first UDS VIN request at the ECU", starts.stream().mapToDouble(Start::firstRequestMillis).toArray()));
            b.append("## terminal: memory of a daemon process at rest after a binding\n");
            for (Memory m : memory) {
                b.append(String.format("%s: VmRSS %d KiB, VmHWM %d KiB, heap used %d KiB of %d KiB committed, metaspace used %d KiB%n",
                        m.jvmOptions(), m.rssKb(), m.hwmKb(), m.heapUsedKb(), m.heapCommittedKb(), m.metaspaceUsedKb()));
                b.append("  jcmd GC.heap_info: ").append(m.heapInfo().strip().replace("\n", "\n    ")).append('\n');
                if (!m.nativeMemory().isEmpty()) {
                    b.append("  jcmd VM.native_memory summary (committed):\n    ")
                            .append(m.nativeMemory().strip().replace("\n", "\n    ")).append('\n');
                }
            }
            return b.toString();
        }

        private static String row(String name, double[] v) {
            if (v.length == 0) {
                return String.format("%-42s (none)%n", name);
            }
            double[] s = v.clone();
            java.util.Arrays.sort(s);
            double mean = java.util.Arrays.stream(s).average().orElse(Double.NaN);
            return String.format("%-42s median %7.1f  mean %7.1f  min %7.1f  max %7.1f%n", name, s[(s.length - 1) / 2],
                    mean, s[0], s[s.length - 1]);
        }
    }

    private final Settings settings;
    private final Consumer<String> progress;
    private final Identities ids = new Identities(System.nanoTime());

    private TerminalBench(Settings settings, Consumer<String> progress) {
        this.settings = settings;
        this.progress = progress;
    }

    /**
     * Runs the three measurements.
     *
     * @throws BenchException when the bench cannot be set up or a binding does not complete
     */
    public static Result run(Settings settings, Consumer<String> progress) {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(progress, "progress");
        return new TerminalBench(settings, progress).runAll();
    }

    private Result runAll() {
        try (Bench bench = Bench.builder().name("perf-terminal").identities(ids).can(CanTransport.SLCAN_PTY)
                .modem(ModemTransport.PTY).startTerminal(false)
                .modemSim(c -> c.withNetwork(NetworkOutcome.HOME, Duration.ZERO)).build()) {
            List<Run> runs = bindings(bench, false);
            List<Run> kept = bindings(bench, true);
            List<Start> starts = new ArrayList<>();
            for (int i = 0; i < settings.starts(); i++) {
                starts.add(start(bench, i));
                progress.accept("start " + (i + 1) + ": " + starts.get(i));
            }
            List<Memory> memory = new ArrayList<>();
            memory.add(memory(bench, List.of("-Xmx" + settings.xmx())));
            memory.add(memory(bench, List.of("-Xmx" + settings.xmx(), "-XX:+UseSerialGC")));
            memory.add(memory(bench, List.of("-Xmx" + settings.xmx(), "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                    "-XX:ReservedCodeCacheSize=16m", "-Xss256k", "-XX:MaxMetaspaceSize=32m")));
            memory.add(memory(bench, List.of("-Xmx" + settings.xmx(), "-XX:+UseSerialGC", "-XX:NativeMemoryTracking=summary")));
            return new Result(runs, kept, starts, memory);
        } catch (IOException e) {
            throw new BenchException("terminal bench: " + e.getMessage(), e);
        }
    }

    /** terminal.properties of the bench, talking to the broker directly (no relay) and using {@code dataDir}. */
    private static Properties properties(Bench bench, Path dataDir) {
        Properties p = bench.terminalProperties();
        p.setProperty("mqtt.broker", bench.server().mqttUri().toString());
        p.setProperty("data.dir", dataDir.toString());
        return p;
    }

    // ------------------------------------------------------------------ ACC to flag cleared

    /**
     * Timed bindings of a daemon in this JVM. {@code keptSession}: the daemon builds its own uplink and keeps the MQTT
     * session while powered ({@code KeptSession}, as deployed): the session connects at ACC while the VIN is read,
     * and the binding publishes on it with no connect or disconnect of its own; the broker and server waits are then
     * not split out. Otherwise the uplink is handed in, wrapped to time each wait, and connects per binding.
     */
    private List<Run> bindings(Bench bench, boolean keptSession) throws IOException {
        Path dir = bench.terminalDir().resolveSibling(keptSession ? "perf-kept" : "perf-inproc");
        TerminalConfig config;
        try {
            config = TerminalConfig.fromProperties(properties(bench, dir), dir.getParent());
        } catch (ConfigException e) {
            throw new BenchException("the daemon refused the bench's terminal.properties: " + e.getMessage(), e);
        }
        TimedPorts timed = new TimedPorts();
        TransitionLog log = new TransitionLog("perf-terminal");
        List<AutoCloseable> opened = new ArrayList<>();
        TerminalDaemon daemon = null;
        try {
            CanChannel can = CanChannels.open(config.canChannel());
            opened.add(can);
            UdsVinReader reader = new UdsVinReader(UdsClient.over(can, config.uds()));
            opened.add(reader);
            Modem modem = Modem.open(config.modemSerial(), ModemConfig.DEFAULT);
            opened.add(modem);
            AtModemPort port = new AtModemPort(modem, BenchTerminal.APN, config.simReady(), config.registration());
            opened.add(port);
            TerminalDaemon.Builder builder = TerminalDaemon.builder(config).listener(log).vinReader(timed.vinReader(reader))
                    .modem(timed.modem(port)).powerSource(new FedPowerSource());
            if (!keptSession) {
                MqttBindingUplink uplink = MqttBindingUplink.fromConfig(config, Duration.ofSeconds(1));
                opened.add(uplink);
                builder.uplink(timed.uplink(uplink));
            }
            daemon = builder.build();
            daemon.start();
            List<Run> runs = new ArrayList<>();
            for (int i = 0; i < WARM_UP + settings.runs(); i++) {
                Run r = oneBinding(bench, daemon, log, timed);
                if (i >= WARM_UP) {
                    runs.add(r);
                    progress.accept(String.format("%sbinding %d: %.1f ms (%s), own %.1f ms, waits %s",
                            keptSession ? "kept session: " : "", i - WARM_UP + 1,
                            r.totalMillis(), r.outcome(), r.ownMillis(), r.waitMillis()));
                }
            }
            return runs;
        } catch (CanException | io.vinbind.modem.at.AtException | TerminalStartException
                | java.security.GeneralSecurityException | io.vinbind.terminal.tls.CredentialException e) {
            throw new BenchException("terminal bench: cannot wire the daemon: " + e.getMessage(), e);
        } finally {
            if (daemon != null) {
                daemon.close();
            }
            for (int i = opened.size() - 1; i >= 0; i--) {
                try {
                    opened.get(i).close();
                } catch (Exception e) {
                    Logger.warn("closing {} failed: {}", opened.get(i).getClass().getSimpleName(), e.getMessage());
                }
            }
        }
    }

    private Run oneBinding(Bench bench, TerminalDaemon daemon, TransitionLog log, TimedPorts timed) {
        if (daemon.state() != BindingState.OFF) {
            int off = log.mark();
            daemon.powerMode(PowerMode.OFF);
            log.awaitEnter(off, BindingState.OFF, BOUND);
        }
        if (log.mark() > 0) {
            bench.replaceModem(ids.modem(), true); // the first run is the assembly binding
            pause(300); // the new modem's boot URCs arrive while the terminal is off
        }
        timed.clear();
        int mark = log.mark();
        long t0 = System.nanoTime();
        daemon.powerMode(PowerMode.ACC);
        TransitionLog.Bound bound = log.awaitBindAck(mark, BOUND);
        long t1 = bound.nanos();
        Map<TimedPorts.Party, Double> waits = new EnumMap<>(TimedPorts.Party.class);
        List<TimedPorts.Wait> ws = timed.waits().stream().filter(w -> w.start() >= t0 && w.end() <= t1).toList();
        for (TimedPorts.Wait w : ws) {
            waits.merge(w.party(), w.nanos() / 1e6, Double::sum);
        }
        List<TimedPorts.Wait> reads = ws.stream().filter(w -> w.party() == TimedPorts.Party.BUS).toList();
        double gap = 0;
        for (int i = 1; i < reads.size(); i++) {
            gap += (reads.get(i).start() - reads.get(i - 1).end()) / 1e6;
        }
        double disconnect = ws.stream().filter(w -> w.what().equals(TimedPorts.DISCONNECT))
                .mapToDouble(w -> w.nanos() / 1e6).sum();
        Map<BindingState, Double> states = new EnumMap<>(BindingState.class);
        List<TransitionLog.Transition> ts = log.transitionsSince(mark);
        for (int i = 0; i < ts.size(); i++) {
            long end = i + 1 < ts.size() ? ts.get(i + 1).nanos() : t1;
            if (ts.get(i).to() != BindingState.BOUND) {
                states.merge(ts.get(i).to(), (end - ts.get(i).nanos()) / 1e6, Double::sum);
            }
        }
        return new Run((t1 - t0) / 1e6, waits, gap, disconnect, states, bound.outcome().name());
    }

    /** A power-mode source the bench feeds through {@link TerminalDaemon#powerMode}: ACC arrives with no bus delay. */
    private static final class FedPowerSource implements PowerModeSource {
        @Override
        public void start(Consumer<PowerMode> sink) {
            // modes come through TerminalDaemon.powerMode
        }

        @Override
        public void close() {
            // nothing held
        }
    }

    // ------------------------------------------------------------------ JVM start to first CAN request

    private Start start(Bench bench, int i) throws IOException {
        Path dir = bench.terminalDir().resolveSibling("perf-start-" + i);
        Path config = DaemonProcess.writeConfig(properties(bench, dir), bench.terminalDir().resolveSibling("perf-start-" + i + ".properties"));
        bench.ignition(PowerMode.ON);
        int before = bench.ecu().vinRequests();
        DaemonProcess d = DaemonProcess.start(DaemonProcess.Launch.likeThisJvm(List.of("-Xmx" + settings.xmx()), config,
                dir.resolveSibling("perf-daemons.log")));
        try {
            long deadline = System.nanoTime() + BOUND.toNanos();
            while (bench.ecu().vinRequests() == before) {
                if (System.nanoTime() > deadline || !d.isAlive()) {
                    throw new BenchException("daemon process " + d.pid() + " sent no VIN request within " + BOUND
                            + " (alive " + d.isAlive() + "): " + d.tail(5));
                }
                pause(1);
            }
            long first = System.nanoTime();
            d.awaitEnter(0, BindingState.READING_VIN, BOUND);
            List<DaemonProcess.LogLine> lines = d.lines();
            double firstLog = lines.isEmpty() ? Double.NaN : (lines.get(0).nanos() - d.startNanos()) / 1e6;
            double running = lines.stream().filter(l -> l.text().contains("terminal daemon running")).findFirst()
                    .map(l -> (l.nanos() - d.startNanos()) / 1e6).orElse(Double.NaN);
            Start s = new Start(firstLog, running, (first - d.startNanos()) / 1e6);
            // let it finish the binding: a kill in the middle of the VIN transfer would leave the ECU simulator
            // waiting for a flow control (N_Bs) and delay the next start's first request
            d.awaitTransition(0, t -> t.to().isResting() && t.to() != BindingState.OFF, "a resting state", BOUND);
            return s;
        } finally {
            d.stop();
        }
    }

    // ------------------------------------------------------------------ memory

    private static final Pattern HEAP_LINE = Pattern.compile("total (\\d+)K, used (\\d+)K");
    /** {@code Total: reserved=…KB, committed=…KB} and {@code -   Java Heap (reserved=…KB, committed=…KB)}. */
    private static final Pattern NMT_LINE = Pattern.compile("^\\s*-?\\s*([A-Za-z][A-Za-z .]*?)\\s*[:(]\\s*reserved=\\d+KB, committed=(\\d+)KB");
    private static final Pattern META_LINE = Pattern.compile("Metaspace\\s+used (\\d+)K");

    private Memory memory(Bench bench, List<String> jvm) throws IOException {
        Path dir = Files.createTempDirectory(bench.terminalDir().getParent(), "perf-memory-");
        Path config = DaemonProcess.writeConfig(properties(bench, dir), dir.resolveSibling(dir.getFileName() + ".properties"));
        bench.ignition(PowerMode.ON);
        DaemonProcess d = DaemonProcess.start(DaemonProcess.Launch.likeThisJvm(jvm, config,
                dir.resolveSibling("perf-daemons.log")));
        try {
            d.awaitEnter(0, BindingState.BOUND, BOUND);
            pause(2000); // at rest: the attempt's garbage is what a head unit carries too, no GC forced
            String status = Files.readString(Path.of("/proc", Long.toString(d.pid()), "status"));
            long rss = kb(status, "VmRSS");
            long hwm = kb(status, "VmHWM");
            String heap = jcmd(d.pid(), "GC.heap_info");
            long used = 0;
            long committed = 0;
            for (String line : heap.split("\n")) {
                Matcher m = HEAP_LINE.matcher(line);
                if (m.find() && !line.contains("Metaspace") && !line.contains("class space")) {
                    committed += Long.parseLong(m.group(1));
                    used += Long.parseLong(m.group(2));
                    if (line.contains("garbage-first heap")) {
                        break; // G1 prints one heap line; region lines follow
                    }
                }
            }
            Matcher meta = META_LINE.matcher(heap);
            long metaUsed = meta.find() ? Long.parseLong(meta.group(1)) : -1;
            StringBuilder nmt = new StringBuilder();
            if (jvm.stream().anyMatch(o -> o.startsWith("-XX:NativeMemoryTracking"))) {
                for (String line : jcmd(d.pid(), "VM.native_memory summary").split("\n")) {
                    Matcher c = NMT_LINE.matcher(line);
                    if (c.find() && !c.group(1).trim().equals("mmap") && !c.group(1).trim().equals("malloc")) {
                        nmt.append(String.format("%-28s %7s KiB%n", c.group(1).trim(), c.group(2)));
                    }
                }
            }
            Memory m = new Memory(String.join(" ", jvm), rss, hwm, heap, used, committed, metaUsed, nmt.toString());
            progress.accept("memory " + m.jvmOptions() + ": RSS " + rss + " KiB, HWM " + hwm + " KiB, heap used " + used + " KiB");
            return m;
        } finally {
            d.kill();
        }
    }

    private static long kb(String status, String key) {
        for (String line : status.split("\n")) {
            if (line.startsWith(key + ":")) {
                return Long.parseLong(line.substring(key.length() + 1).trim().split("\\s+")[0]);
            }
        }
        throw new BenchException("/proc status has no " + key);
    }

    private static String jcmd(long pid, String command) throws IOException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), command).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new BenchException("jcmd " + pid + " " + command + " did not answer within 30 s");
            }
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new BenchException("jcmd " + pid + " " + command + " failed: " + out);
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted while running jcmd", e);
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
