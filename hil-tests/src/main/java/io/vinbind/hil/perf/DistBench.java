package io.vinbind.hil.perf;

import io.vinbind.can.vehicle.PowerMode;
import io.vinbind.hil.bench.Bench;
import io.vinbind.hil.bench.BenchException;
import io.vinbind.hil.bench.CanTransport;
import io.vinbind.hil.bench.Identities;
import io.vinbind.hil.bench.ModemTransport;
import io.vinbind.hil.crash.DaemonProcess;
import io.vinbind.modem.sim.NetworkOutcome;
import io.vinbind.terminal.machine.BindingState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The installed terminal distribution's start-up and memory, with and without its JVM options and its
 * class-data archive: the jars of an unpacked tarball ({@code lib/*.jar} in the start script's order), the
 * lean options its systemd unit sets ({@code systemd/vinbind-terminal.service}, Environment=JAVA_OPTS), and an
 * AppCDS archive made as the start script makes it (a first run with {@code -XX:ArchiveClassesAtExit}, which
 * binds and is stopped with SIGTERM). Against the bench's ECU and modem simulators on socat ptys and the
 * embedded server, like {@link TerminalBench}'s start-up and memory measurements:
 * <ul>
 *   <li>JVM start to first CAN request: ignition already ON, fresh state directory; from the process start to
 *       the first UDS VIN request the ECU simulator counts;</li>
 *   <li>RSS at rest: VmRSS and VmHWM from {@code /proc/<pid>/status} two seconds after the binding.</li>
 * </ul>
 */
public final class DistBench {

    private static final Duration BOUND = Duration.ofSeconds(30);

    /** @param dist an unpacked terminal tarball (bin, lib, systemd); @param starts processes per variant (1..50) */
    public record Settings(Path dist, int starts) {
        public Settings {
            Objects.requireNonNull(dist, "dist");
            if (starts < 1 || starts > 50) {
                throw new IllegalArgumentException("starts must be 1..50, got " + starts);
            }
        }
    }

    /** One variant's figures. */
    public record Variant(String name, List<String> options, double[] firstRequestMillis, long rssKb, long hwmKb) {
    }

    /** Everything measured. */
    public record Result(String classpath, long archiveBytes, List<Variant> variants) {
        public String report() {
            StringBuilder b = new StringBuilder();
            b.append(String.format("## terminal distribution: %d jars, AppCDS archive %.1f MiB%n",
                    classpath.split(":").length, archiveBytes / 1048576.0));
            b.append(String.format("%-34s %-10s %-10s %-10s %-10s %-10s%n", "variant", "median ms", "min ms", "max ms",
                    "RSS KiB", "HWM KiB"));
            for (Variant v : variants) {
                double[] s = v.firstRequestMillis().clone();
                Arrays.sort(s);
                b.append(String.format("%-34s %-10.0f %-10.0f %-10.0f %-10d %-10d%n", v.name(), s[(s.length - 1) / 2],
                        s[0], s[s.length - 1], v.rssKb(), v.hwmKb()));
            }
            for (Variant v : variants) {
                b.append("  ").append(v.name()).append(": ").append(String.join(" ", v.options())).append('\n');
            }
            return b.toString();
        }
    }

    private final Settings settings;
    private final Consumer<String> progress;
    private final Identities ids = new Identities(System.nanoTime());

    private DistBench(Settings settings, Consumer<String> progress) {
        this.settings = settings;
        this.progress = progress;
    }

    /** @throws BenchException when the distribution is incomplete or a daemon does not bind */
    public static Result run(Settings settings, Consumer<String> progress) {
        return new DistBench(settings, progress).runAll();
    }

    private Result runAll() {
        try (Bench bench = Bench.builder().name("perf-dist").identities(ids).can(CanTransport.SLCAN_PTY)
                .modem(ModemTransport.PTY).startTerminal(false)
                .modemSim(c -> c.withNetwork(NetworkOutcome.HOME, Duration.ZERO)).build()) {
            String cp = classpath(settings.dist().resolve("lib"));
            List<String> lean = unitJavaOpts(settings.dist().resolve("systemd/vinbind-terminal.service"));
            Path work = Files.createTempDirectory(bench.terminalDir().getParent(), "dist-");
            Path archive = work.resolve("terminal.jsa");
            List<String> training = new ArrayList<>(lean);
            training.addAll(List.of("-XX:ArchiveClassesAtExit=" + archive, "-Xlog:cds=off", "-Xlog:cds+dynamic=off"));
            oneStart(bench, cp, training, work, "training");
            if (!Files.isRegularFile(archive)) {
                throw new BenchException("the training run wrote no archive " + archive);
            }
            progress.accept("archive " + Files.size(archive) + " bytes");
            List<String> share = List.of("-XX:SharedArchiveFile=" + archive, "-Xshare:auto");
            List<Variant> variants = new ArrayList<>();
            variants.add(variant(bench, cp, "JVM defaults", List.of(), work));
            variants.add(variant(bench, cp, "JVM defaults + archive", share, work));
            variants.add(variant(bench, cp, "lean options (the unit's)", lean, work));
            List<String> both = new ArrayList<>(lean);
            both.addAll(share);
            variants.add(variant(bench, cp, "lean options + archive (the unit)", both, work));
            return new Result(cp, Files.size(archive), variants);
        } catch (IOException e) {
            throw new BenchException("dist bench: " + e.getMessage(), e);
        }
    }

    private Variant variant(Bench bench, String cp, String name, List<String> options, Path work) throws IOException {
        double[] firsts = new double[settings.starts()];
        for (int i = 0; i < firsts.length; i++) {
            firsts[i] = oneStart(bench, cp, options, work, name + " " + (i + 1))[0];
        }
        double[] memory = oneStart(bench, cp, options, work, name + " memory");
        progress.accept(String.format("%s: first request %s ms, RSS %.0f KiB", name, Arrays.toString(firsts), memory[1]));
        return new Variant(name, options, firsts, (long) memory[1], (long) memory[2]);
    }

    /** One daemon process: ms to the first VIN request, and VmRSS and VmHWM (KiB) at rest after the binding. */
    private double[] oneStart(Bench bench, String cp, List<String> options, Path work, String what) throws IOException {
        Path dir = Files.createTempDirectory(work, "state-");
        Properties p = bench.terminalProperties();
        p.setProperty("mqtt.broker", bench.server().mqttUri().toString());
        p.setProperty("data.dir", dir.toString());
        Path config = DaemonProcess.writeConfig(p, dir.resolveSibling(dir.getFileName() + ".properties"));
        bench.ignition(PowerMode.ON);
        int before = bench.ecu().vinRequests();
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        DaemonProcess d = DaemonProcess.start(new DaemonProcess.Launch(java, cp, options, config, work.resolve("daemons.log")));
        try {
            long deadline = System.nanoTime() + BOUND.toNanos();
            while (bench.ecu().vinRequests() == before) {
                if (System.nanoTime() > deadline || !d.isAlive()) {
                    throw new BenchException(what + ": daemon " + d.pid() + " sent no VIN request within " + BOUND + ": "
                            + d.tail(5));
                }
                pause(1);
            }
            double first = (System.nanoTime() - d.startNanos()) / 1e6;
            d.awaitEnter(0, BindingState.BOUND, BOUND);
            pause(2000); // at rest, no GC forced
            String status = Files.readString(Path.of("/proc", Long.toString(d.pid()), "status"));
            return new double[] {first, kb(status, "VmRSS"), kb(status, "VmHWM")};
        } finally {
            d.stop(); // SIGTERM: the training run writes its archive here
        }
    }

    /** The start script's class path: lib/*.jar sorted as the C locale sorts them. */
    static String classpath(Path lib) throws IOException {
        try (Stream<Path> s = Files.list(lib)) {
            List<String> jars = s.map(Path::toString).filter(n -> n.endsWith(".jar")).sorted().toList();
            if (jars.isEmpty()) {
                throw new BenchException("no jars in " + lib + " (an unpacked vinbind-terminal tarball has lib/)");
            }
            return String.join(":", jars);
        }
    }

    /** The JVM options of the unit's Environment="JAVA_OPTS=...". */
    static List<String> unitJavaOpts(Path unit) throws IOException {
        for (String line : Files.readAllLines(unit)) {
            String l = line.strip();
            if (l.startsWith("Environment=\"JAVA_OPTS=") && l.endsWith("\"")) {
                return List.of(l.substring("Environment=\"JAVA_OPTS=".length(), l.length() - 1).split("\\s+"));
            }
        }
        throw new BenchException(unit + " sets no Environment=\"JAVA_OPTS=...\"");
    }

    private static long kb(String status, String key) {
        for (String line : status.split("\n")) {
            if (line.startsWith(key + ":")) {
                return Long.parseLong(line.substring(key.length() + 1).trim().split("\\s+")[0]);
            }
        }
        throw new BenchException("/proc status has no " + key);
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
