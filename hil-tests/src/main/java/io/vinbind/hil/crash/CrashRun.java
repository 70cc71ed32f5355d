package io.vinbind.hil.crash;

import io.vinbind.can.vehicle.PowerMode;
import io.vinbind.hil.bench.Bench;
import io.vinbind.hil.bench.BenchException;
import io.vinbind.hil.bench.BenchTimeoutException;
import io.vinbind.hil.bench.CanTransport;
import io.vinbind.hil.bench.Identities;
import io.vinbind.hil.bench.ModemTransport;
import io.vinbind.hil.bench.ServerApi;
import io.vinbind.hil.bench.ServerBackend;
import io.vinbind.terminal.machine.BindingState;
import io.vinbind.terminal.state.BoundIdentity;
import io.vinbind.terminal.state.FileStateStore;
import io.vinbind.terminal.state.StateReading;
import io.vinbind.terminal.state.TerminalState;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.function.Consumer;
import org.tinylog.Logger;

/**
 * The crash test: the real terminal daemon as a separate process, killed with SIGKILL at random moments
 * while it binds, many times, against the ECU and modem simulators (SLCAN and AT over socat pty pairs) and
 * the binding server (in this JVM).
 *
 * <p>Each round changes what has to be bound, so that kills keep landing in working states: the service
 * asks for a new binding, the modem is replaced by a new factory-registered one (REBOUND on the server),
 * or the terminal is moved into another vehicle (VIN changed); some rounds change nothing (a plain power
 * cycle, where the terminal only reads and decides). The round's attempt is killed at a random moment — most
 * often aimed at a randomly chosen working state (a random moment within its learned length, so that states
 * of a few milliseconds are hit too), otherwise anywhere in the attempt — the daemon restarted, sometimes
 * killed again while it starts or works, and finally left alone until it rests.
 *
 * <p>Checked after every kill, before the restart (the daemon is dead, so nothing can change the state file):
 * <ul>
 *   <li>the state file is readable (saves are atomic: never half of a write);</li>
 *   <li>the VIN-request flag is clear only if the server holds exactly the binding the file names
 *       (VIN ↔ IMSI); a set flag is always safe.</li>
 * </ul>
 * Checked after each round's undisturbed run: the daemon reaches BOUND, its file has the flag clear and names
 * the vehicle's current VIN and the modem's current IMSI, the server holds that pair from both sides, and it
 * holds no binding of the VIN or IMSI the round replaced (one live binding per VIN and per IMSI).
 * A kill point is <em>survived</em> when both checks held.
 */
public final class CrashRun {

    /** What a round changes before its power-up. */
    public enum Variation {
        /** The first power-up after assembly (only the first round). */
        ASSEMBLY,
        /** {@code request-bind}: the workshop asks for a new binding. */
        SERVICE_REQUEST,
        /** A new modem with its SIM, registered at the factory: the terminal must REBIND. */
        MODEM_REPLACED,
        /** The terminal is moved into another vehicle: the VIN changed. */
        VIN_CHANGED,
        /** A plain power cycle: nothing to bind, the terminal reads, decides and rests. */
        POWER_CYCLE
    }

    /**
     * @param killPoints       how many SIGKILLs in all (bounded: 1..10,000)
     * @param seed             seed of every random choice (printed; reuse it to repeat a run)
     * @param backend          the server's broker and database
     * @param chainProbability probability of killing a just-restarted daemon again before it rests
     * @param recoveryBound    how long an undisturbed daemon may take to reach BOUND
     * @param daemonJvm        options of the daemon JVM
     * @param daemonLog        file that receives every daemon's log (appended)
     */
    public record Settings(int killPoints, long seed, ServerBackend backend, double chainProbability,
            Duration recoveryBound, List<String> daemonJvm, Path daemonLog) {
        public Settings {
            if (killPoints < 1 || killPoints > 10_000) {
                throw new IllegalArgumentException("kill points must be 1..10000, got " + killPoints);
            }
            Objects.requireNonNull(backend, "backend");
            if (!(chainProbability >= 0 && chainProbability <= 0.9)) {
                throw new IllegalArgumentException("chain probability must be 0..0.9, got " + chainProbability);
            }
            Objects.requireNonNull(recoveryBound, "recoveryBound");
            daemonJvm = List.copyOf(daemonJvm);
            Objects.requireNonNull(daemonLog, "daemonLog");
        }

        /** Small heap, serial GC and the C1 compiler only: a daemon JVM that starts quickly on a loaded machine. */
        public static final List<String> DEFAULT_JVM = List.of("-Xmx64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

        public static Settings of(int killPoints, long seed, Path daemonLog) {
            return new Settings(killPoints, seed, ServerBackend.EMBEDDED, 0.35, Duration.ofSeconds(30), DEFAULT_JVM,
                    daemonLog);
        }
    }

    /**
     * One SIGKILL.
     *
     * @param index        1-based
     * @param variation    what the round changed
     * @param chained      killed again after a restart (rather than in the round's first attempt)
     * @param delayMillis  how long after the reference moment (attempt start, or process start when chained)
     * @param stateAtKill  the last state the daemon logged; empty when it was killed before its first transition
     * @param flagSet      the state file's flag right after the kill (a missing file counts as set)
     * @param survived     the invariant held after the kill and the following undisturbed run bound
     */
    public record KillPoint(int index, Variation variation, boolean chained, long delayMillis,
            Optional<BindingState> stateAtKill, boolean flagSet, boolean survived) {
        public KillPoint {
            Objects.requireNonNull(variation, "variation");
            Objects.requireNonNull(stateAtKill, "stateAtKill");
        }

        /** The state name, or {@code STARTING} for a JVM killed before the machine's first transition. */
        public String stateName() {
            return stateAtKill.map(Enum::name).orElse("STARTING");
        }

        KillPoint survivedNow() {
            return new KillPoint(index, variation, chained, delayMillis, stateAtKill, flagSet, true);
        }
    }

    /**
     * What a run found.
     *
     * @param seed         the seed (repeat with it)
     * @param points       every kill point in order
     * @param rounds       rounds completed (each ends in an undisturbed BOUND)
     * @param daemonStarts daemon JVMs started
     * @param violations   broken invariants, empty when the terminal held up
     * @param elapsed      wall time of the whole run
     */
    public record Report(long seed, List<KillPoint> points, int rounds, int daemonStarts, List<String> violations,
            Duration elapsed) {
        public Report {
            points = List.copyOf(points);
            violations = List.copyOf(violations);
            Objects.requireNonNull(elapsed, "elapsed");
        }

        public long survived() {
            return points.stream().filter(KillPoint::survived).count();
        }

        /** How many kills landed in each state ({@code STARTING} = before the first transition). */
        public Map<String, Integer> killsByState() {
            Map<String, Integer> m = new java.util.TreeMap<>();
            for (KillPoint p : points) {
                m.merge(p.stateName(), 1, Integer::sum);
            }
            return m;
        }

        /** Per state, how many kills found the flag set and how many found it clear: {@code UPLOADING=3/2}. */
        public Map<String, String> flagByState() {
            Map<String, int[]> m = new java.util.TreeMap<>();
            for (KillPoint p : points) {
                m.computeIfAbsent(p.stateName(), k -> new int[2])[p.flagSet() ? 0 : 1]++;
            }
            Map<String, String> out = new java.util.TreeMap<>();
            m.forEach((k, v) -> out.put(k, v[0] + " set/" + v[1] + " clear"));
            return out;
        }

        public Map<Variation, Integer> killsByVariation() {
            Map<Variation, Integer> m = new EnumMap<>(Variation.class);
            for (KillPoint p : points) {
                m.merge(p.variation(), 1, Integer::sum);
            }
            return m;
        }

        public long flagSetAtKill() {
            return points.stream().filter(KillPoint::flagSet).count();
        }

        public String summary() {
            return String.format("crash test seed %d: %d of %d kill points survived, %d rounds, %d daemon starts, "
                            + "%d violations, %.1f s; kills by state %s; by variation %s; flag set at %d kills; "
                            + "flag by state %s",
                    seed, survived(), points.size(), rounds, daemonStarts, violations.size(),
                    elapsed.toMillis() / 1000.0, killsByState(), killsByVariation(), flagSetAtKill(), flagByState());
        }
    }

    private static final Duration STEP_BOUND = Duration.ofSeconds(10);
    /** The working states of a binding attempt, in order. */
    private static final List<BindingState> WORKING = List.of(BindingState.READING_VIN,
            BindingState.IDENTIFYING_MODEM, BindingState.ATTACHING, BindingState.CONNECTING, BindingState.LOGGING_IN,
            BindingState.UPLOADING);
    /** Share of a round's kills aimed at a chosen working state; the rest fall anywhere in the attempt. */
    private static final double AIMED_SHARE = 0.6;

    private final Settings settings;
    private final Consumer<String> progress;
    private final Random random;
    private final Identities ids;
    private final List<KillPoint> points = new ArrayList<>();
    private final List<String> violations = new ArrayList<>();
    private Bench bench;
    private Path config;
    private int daemonStarts;
    private int rounds;
    private boolean everBound;
    /** The pair bound at the end of the previous round (null before the first). */
    private String previousVin;
    private String previousImsi;
    /** Moving estimates (ms) of JVM start to first transition, and of an attempt's READING_VIN to BOUND. */
    private double startEstimate = 2000;
    private double attemptEstimate = 1200;
    /** Moving estimates (ms) of how long the daemon stays in each working state. */
    private final Map<BindingState, Double> stateEstimate = new EnumMap<>(Map.of(BindingState.READING_VIN, 200.0,
            BindingState.IDENTIFYING_MODEM, 10.0, BindingState.ATTACHING, 5.0, BindingState.CONNECTING, 300.0,
            BindingState.LOGGING_IN, 10.0, BindingState.UPLOADING, 150.0));

    private CrashRun(Settings settings, Consumer<String> progress) {
        this.settings = settings;
        this.progress = progress;
        this.random = new Random(settings.seed());
        this.ids = new Identities(settings.seed());
    }

    /**
     * Runs the crash test. Needs socat (the bench's pty pairs) and, for {@link ServerBackend#MOSQUITTO_POSTGRES},
     * those services.
     *
     * @param progress receives one line per kill point and round (CLI output, test log)
     * @throws BenchException when the bench cannot be set up or a daemon does not start at all
     */
    public static Report run(Settings settings, Consumer<String> progress) {
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(progress, "progress");
        return new CrashRun(settings, progress).run();
    }

    private Report run() {
        long t0 = System.nanoTime();
        progress.accept("crash test: seed " + settings.seed() + " (repeat with this seed), " + settings.killPoints()
                + " kill points, server on " + settings.backend() + ", daemon log " + settings.daemonLog());
        try (Bench b = Bench.builder().name("crash").seed(settings.seed()).identities(ids)
                .can(CanTransport.SLCAN_PTY).modem(ModemTransport.PTY).backend(settings.backend())
                .startTerminal(false).build()) {
            this.bench = b;
            this.config = DaemonProcess.writeConfig(b.terminalProperties(),
                    b.terminalDir().resolveSibling("terminal.properties"));
            b.ignition(PowerMode.ON);
            DaemonProcess daemon = startDaemon();
            Variation variation = Variation.ASSEMBLY;
            while (points.size() < settings.killPoints() && violations.isEmpty()) {
                int roundStart = points.size();
                if (variation == Variation.ASSEMBLY) {
                    daemon = killChained(daemon, variation); // the fresh daemon's first power-up
                } else {
                    daemon = killInAttempt(daemon, variation);
                }
                while (violations.isEmpty() && points.size() < settings.killPoints()
                        && random.nextDouble() < settings.chainProbability()) {
                    daemon = killChained(daemon, variation);
                }
                if (!violations.isEmpty()) {
                    break;
                }
                if (recover(daemon)) {
                    for (int i = roundStart; i < points.size(); i++) {
                        points.set(i, points.get(i).survivedNow());
                    }
                    rounds++;
                }
                variation = pickVariation();
            }
            daemon.stop();
        }
        Report r = new Report(settings.seed(), points, rounds, daemonStarts, violations,
                Duration.ofNanos(System.nanoTime() - t0));
        progress.accept(r.summary());
        violations.forEach(v -> progress.accept("VIOLATION: " + v));
        return r;
    }

    private Variation pickVariation() {
        double x = random.nextDouble();
        if (x < 0.30) {
            return Variation.SERVICE_REQUEST;
        } else if (x < 0.62) {
            return Variation.MODEM_REPLACED;
        } else if (x < 0.90) {
            return Variation.VIN_CHANGED;
        }
        return Variation.POWER_CYCLE;
    }

    private DaemonProcess startDaemon() {
        daemonStarts++;
        return DaemonProcess.start(DaemonProcess.Launch.likeThisJvm(settings.daemonJvm(), config, settings.daemonLog()));
    }

    /**
     * The daemon rests in BOUND with the ignition ON: ignition OFF, change what the round changes, ignition ON,
     * and kill at a random moment of the attempt that follows.
     */
    private DaemonProcess killInAttempt(DaemonProcess daemon, Variation variation) {
        int off = daemon.mark();
        bench.ignition(PowerMode.OFF);
        daemon.awaitEnter(off, BindingState.OFF, STEP_BOUND);
        switch (variation) {
            case SERVICE_REQUEST -> requestBinding();
            case MODEM_REPLACED -> bench.replaceModem(ids.modem(), true);
            case VIN_CHANGED -> bench.replaceVehicle(ids.vin());
            case POWER_CYCLE, ASSEMBLY -> {
                // nothing changes
            }
        }
        int on = daemon.mark();
        bench.ignition(PowerMode.ON);
        DaemonProcess.Transition start = daemon.awaitEnter(on, BindingState.READING_VIN, STEP_BOUND);
        if (random.nextDouble() < AIMED_SHARE) {
            // aimed: a random working state of this attempt, a random moment within its usual length, so that
            // short states (a few ms with zero-delay simulators) are hit too
            List<BindingState> path = variation == Variation.POWER_CYCLE
                    ? List.of(BindingState.READING_VIN, BindingState.IDENTIFYING_MODEM) : WORKING;
            BindingState target = path.get(random.nextInt(path.size()));
            double within = random.nextDouble() * stateEstimate.get(target);
            long entered = start.nanos();
            if (target != BindingState.READING_VIN) {
                try {
                    entered = daemon.awaitEnter(on, target, STEP_BOUND).nanos();
                } catch (BenchTimeoutException e) {
                    Logger.info("attempt never entered {} (kill it where it is): {}", target, e.getMessage());
                    entered = System.nanoTime();
                }
            }
            long killAt = entered + (long) (within * 1e6);
            sleep(Math.max(0, (killAt - System.nanoTime()) / 1_000_000));
            return killAndCheck(daemon, variation, false, (System.nanoTime() - start.nanos()) / 1_000_000);
        }
        long delay = (long) (random.nextDouble() * attemptEstimate);
        sleep(delay);
        return killAndCheck(daemon, variation, false, delay);
    }

    /** Kills the daemon at a random moment after its start (JVM start, daemon start or the attempt). */
    private DaemonProcess killChained(DaemonProcess daemon, Variation variation) {
        long delay = (long) (random.nextDouble() * (startEstimate + attemptEstimate));
        long target = daemon.startNanos() + delay * 1_000_000;
        sleep(Math.max(0, (target - System.nanoTime()) / 1_000_000));
        return killAndCheck(daemon, variation, true, delay);
    }

    private DaemonProcess killAndCheck(DaemonProcess daemon, Variation variation, boolean chained, long delay) {
        daemon.kill();
        Optional<BindingState> at = daemon.lastState();
        boolean flagSet = checkAfterKill(points.size() + 1);
        KillPoint p = new KillPoint(points.size() + 1, variation, chained, delay, at, flagSet, false);
        points.add(p);
        progress.accept(String.format("kill %d/%d: %s%s, %d ms after %s, in %s, flag %s", p.index(),
                settings.killPoints(), variation, chained ? " (restarted daemon)" : "", delay,
                chained ? "process start" : "attempt start", p.stateName(), flagSet ? "set" : "clear"));
        return startDaemon();
    }

    /** The invariant after a kill; returns whether the flag is set. */
    private boolean checkAfterKill(int index) {
        StateReading reading = readState();
        if (reading instanceof StateReading.Corrupt c) {
            violations.add("kill " + index + ": state file unreadable after SIGKILL (a save was not atomic): " + c.problem());
            return true;
        }
        if (reading instanceof StateReading.Missing) {
            if (everBound) {
                violations.add("kill " + index + ": state file missing after SIGKILL although the terminal had bound");
            }
            return true;
        }
        TerminalState s = ((StateReading.Present) reading).state();
        if (s.flagSet()) {
            return true;
        }
        Optional<BoundIdentity> b = s.lastBound();
        if (b.isEmpty()) {
            violations.add("kill " + index + ": flag clear but the state file names no binding: " + s);
            return false;
        }
        ServerApi api = bench.api();
        Optional<ServerApi.BindingView> server = api.bindingOfImsi(b.get().imsi());
        if (server.isEmpty() || !server.get().vin().equals(b.get().vin())) {
            violations.add("kill " + index + ": flag clear for VIN " + b.get().vin() + " / IMSI " + b.get().imsi()
                    + " but the server holds " + server.map(v -> "VIN " + v.vin()).orElse("no binding of that IMSI"));
        }
        return false;
    }

    /** Leaves the daemon alone until it rests; checks it bound the current VIN and IMSI. */
    private boolean recover(DaemonProcess daemon) {
        String vin = bench.vin();
        String imsi = bench.modemIdentity().imsi().value();
        try {
            DaemonProcess.Transition bound = daemon.awaitEnter(0, BindingState.BOUND, settings.recoveryBound());
            learn(daemon, bound);
        } catch (BenchException e) {
            violations.add("round " + (rounds + 1) + ": the restarted daemon did not bind VIN " + vin + " / IMSI " + imsi
                    + " undisturbed: " + e.getMessage());
            return false;
        }
        StateReading reading = readState();
        Optional<BoundIdentity> b = reading instanceof StateReading.Present p && !p.state().flagSet()
                ? p.state().lastBound() : Optional.empty();
        if (b.isEmpty() || !b.get().vin().equals(vin) || !b.get().imsi().equals(imsi)) {
            violations.add("round " + (rounds + 1) + ": daemon BOUND but its state file holds " + reading
                    + ", expected flag clear with VIN " + vin + " / IMSI " + imsi);
            return false;
        }
        Optional<ServerApi.BindingView> byImsi = bench.api().bindingOfImsi(imsi);
        Optional<ServerApi.BindingView> byVin = bench.api().bindingOfVin(vin);
        if (byImsi.isEmpty() || !byImsi.get().vin().equals(vin) || byVin.isEmpty() || !byVin.get().imsi().equals(imsi)) {
            violations.add("round " + (rounds + 1) + ": terminal bound VIN " + vin + " / IMSI " + imsi
                    + " but the server says IMSI -> " + byImsi.map(ServerApi.BindingView::vin).orElse("none")
                    + ", VIN -> " + byVin.map(ServerApi.BindingView::imsi).orElse("none"));
            return false;
        }
        // one live binding per VIN and per IMSI: the pair the round replaced is gone from the server
        if (previousVin != null && !previousVin.equals(vin) && bench.api().bindingOfVin(previousVin).isPresent()) {
            violations.add("round " + (rounds + 1) + ": the old VIN " + previousVin + " is still bound after the "
                    + "terminal moved to VIN " + vin + ": " + bench.api().bindingOfVin(previousVin).get().json());
            return false;
        }
        if (previousImsi != null && !previousImsi.equals(imsi) && bench.api().bindingOfImsi(previousImsi).isPresent()) {
            violations.add("round " + (rounds + 1) + ": the replaced modem's IMSI " + previousImsi + " is still bound: "
                    + bench.api().bindingOfImsi(previousImsi).get().json());
            return false;
        }
        previousVin = vin;
        previousImsi = imsi;
        everBound = true;
        progress.accept("round " + (rounds + 1) + ": restarted daemon bound VIN " + vin + " / IMSI " + imsi
                + " undisturbed; server agrees, and holds no binding of the pair it replaced");
        return true;
    }

    /** Refines the kill-delay estimates from an undisturbed run. */
    private void learn(DaemonProcess daemon, DaemonProcess.Transition bound) {
        List<DaemonProcess.Transition> ts = daemon.transitions();
        if (ts.isEmpty()) {
            return;
        }
        double started = (ts.get(0).nanos() - daemon.startNanos()) / 1e6;
        startEstimate = 0.7 * startEstimate + 0.3 * started;
        Optional<DaemonProcess.Transition> lastRead = ts.stream()
                .filter(t -> t.to() == BindingState.READING_VIN && t.nanos() <= bound.nanos())
                .reduce((a, b) -> b);
        for (int i = 0; i + 1 < ts.size(); i++) {
            BindingState in = ts.get(i).to();
            if (stateEstimate.containsKey(in)) {
                double ms = (ts.get(i + 1).nanos() - ts.get(i).nanos()) / 1e6;
                stateEstimate.put(in, 0.7 * stateEstimate.get(in) + 0.3 * ms);
            }
        }
        boolean uploaded = ts.stream().anyMatch(t -> t.to() == BindingState.UPLOADING);
        if (lastRead.isPresent() && uploaded) {
            double attempt = (bound.nanos() - lastRead.get().nanos()) / 1e6;
            attemptEstimate = 0.7 * attemptEstimate + 0.3 * attempt;
        }
        Logger.debug("crash test estimates: start {} ms, attempt {} ms, states {}", (long) startEstimate,
                (long) attemptEstimate, stateEstimate);
    }

    private void requestBinding() {
        try {
            new FileStateStore(bench.terminalDir(), Clock.systemUTC()).requestBinding(Instant.now());
        } catch (IOException e) {
            throw new BenchException("cannot write the service request in " + bench.terminalDir() + ": " + e.getMessage(), e);
        }
    }

    private StateReading readState() {
        return bench.readState();
    }

    private static void sleep(long millis) {
        if (millis <= 0) {
            return;
        }
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted during the crash test", e);
        }
    }
}
