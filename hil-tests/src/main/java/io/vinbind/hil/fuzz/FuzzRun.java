package io.vinbind.hil.fuzz;

import io.vinbind.hil.bench.BenchException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A fuzzing run of one {@link FuzzTarget}: Jazzer's standalone driver ({@code com.code_intelligence.jazzer.Jazzer},
 * in the jazzer jar on the module's test classpath) in a JVM of its own, started in the module's directory
 * with the module's test classpath ({@code target/test-classpath.txt}, written at package time), which runs
 * the {@code @FuzzTest} through the JUnit Platform in fuzzing mode for the given time:
 * {@code java -cp … com.code_intelligence.jazzer.Jazzer --target_class=C --target_method=m --hooks=true
 * -max_total_time=N -print_final_stats=1}. One target per JVM: Jazzer fuzzes one test per run.
 *
 * <p>libFuzzer reads the committed corpus and keeps what it generates in {@code <module>/.cifuzz-corpus/}
 * (not committed); an input that fails the target is written into the committed corpus directory as
 * {@code crash-<sha1>} (Jazzer's convention), so the next build runs it as a regression test. The child's
 * output goes to a log file; the figures are read from libFuzzer's closing lines.
 */
public final class FuzzRun {

    /** The driver's main class. */
    public static final String JAZZER_MAIN = "com.code_intelligence.jazzer.Jazzer";
    /** Beyond the fuzzing time: JVM and agent start (5-15 s on a loaded 2-core machine), H2, the last input. */
    static final Duration GRACE = Duration.ofSeconds(120);

    private static final Pattern DONE = Pattern.compile("^Done (\\d+) runs in (\\d+) second\\(s\\)");
    private static final Pattern STATUS = Pattern.compile(
        "^#(\\d+)\\s+(?:DONE|pulse|NEW|REDUCE|INITED)\\s+cov: (\\d+) ft: (\\d+) corp: (\\d+)/");
    private static final Pattern SEEDS = Pattern.compile("^INFO: seed corpus: files: (\\d+)");
    private static final Pattern WRITTEN = Pattern.compile("Test unit written to (\\S+)");
    private static final Pattern FINDING = Pattern.compile("^(== Java Exception: .*|==\\d+== ERROR: libFuzzer: .*)$");

    /**
     * How to run.
     *
     * @param root      the repository root
     * @param seconds   fuzzing time per target
     * @param javaBinary the java to start
     * @param jvmOptions options of the child JVM (heap, log level)
     * @param logDir    where each target's output goes ({@code <name>.log})
     */
    public record Settings(Path root, int seconds, Path javaBinary, List<String> jvmOptions, Path logDir) {
        public Settings {
            Objects.requireNonNull(root, "root");
            Objects.requireNonNull(javaBinary, "javaBinary");
            jvmOptions = List.copyOf(jvmOptions);
            Objects.requireNonNull(logDir, "logDir");
            if (seconds < 1 || seconds > 24 * 3600) {
                throw new IllegalArgumentException("fuzzing time must be 1 s to 24 h, got " + seconds + " s");
            }
        }

        /** This JVM's java, a 1 GiB heap and the log off (targets log every refused input at warn). */
        public static Settings defaults(Path root, int seconds) {
            return new Settings(root, seconds, Path.of(System.getProperty("java.home"), "bin", "java"),
                List.of("-Xmx1g", "-Dtinylog.writer.level=off"), root.resolve("target/fuzz"));
        }
    }

    /**
     * What libFuzzer reported.
     *
     * @param execs       inputs run (libFuzzer's "Done N runs"), empty when it never got that far
     * @param fuzzSeconds the fuzzing time libFuzzer counted
     * @param seeds       corpus files it started from
     * @param coverage    coverage points (edges) reached, from its last status line
     * @param features    coverage features, from its last status line
     * @param corpus      corpus entries at the end
     * @param finding     the failure's first line, when the target failed
     * @param reproducer  the input that failed, as written into the corpus directory
     */
    public record Report(OptionalLong execs, long fuzzSeconds, OptionalLong seeds, OptionalLong coverage,
                         OptionalLong features, OptionalLong corpus, Optional<String> finding,
                         Optional<Path> reproducer) {

        /** Reads libFuzzer's output. */
        public static Report parse(List<String> lines) {
            OptionalLong execs = OptionalLong.empty();
            long secs = 0;
            OptionalLong seeds = OptionalLong.empty();
            OptionalLong cov = OptionalLong.empty();
            OptionalLong ft = OptionalLong.empty();
            OptionalLong corp = OptionalLong.empty();
            Optional<String> finding = Optional.empty();
            Optional<Path> reproducer = Optional.empty();
            for (String line : lines) {
                Matcher m;
                if ((m = DONE.matcher(line)).find()) {
                    execs = OptionalLong.of(Long.parseLong(m.group(1)));
                    secs = Long.parseLong(m.group(2));
                } else if ((m = STATUS.matcher(line)).find()) {
                    cov = OptionalLong.of(Long.parseLong(m.group(2)));
                    ft = OptionalLong.of(Long.parseLong(m.group(3)));
                    corp = OptionalLong.of(Long.parseLong(m.group(4)));
                } else if ((m = SEEDS.matcher(line)).find()) {
                    seeds = OptionalLong.of(Long.parseLong(m.group(1)));
                } else if ((m = WRITTEN.matcher(line)).find()) {
                    reproducer = Optional.of(Path.of(m.group(1)));
                } else if (finding.isEmpty() && (m = FINDING.matcher(line)).find()) {
                    finding = Optional.of(m.group(1));
                }
            }
            return new Report(execs, secs, seeds, cov, ft, corp, finding, reproducer);
        }

        /** Inputs per second over the fuzzing time, when both are known. */
        public OptionalLong execsPerSecond() {
            return execs.isPresent() && fuzzSeconds > 0 ? OptionalLong.of(execs.getAsLong() / fuzzSeconds)
                : OptionalLong.empty();
        }
    }

    /**
     * The outcome of one target's run.
     *
     * @param target   what ran
     * @param report   libFuzzer's figures
     * @param exitCode the child's exit status (0: time up, no finding; Jazzer exits 77 on a finding)
     * @param killed   true when it overran the fuzzing time plus {@link #GRACE} and was killed
     * @param wallSeconds from start to end of the child JVM
     * @param log      the child's output
     */
    public record Result(FuzzTarget target, Report report, int exitCode, boolean killed, double wallSeconds, Path log) {

        /** True when the time ran out with every input passing. */
        public boolean clean() {
            return exitCode == 0 && !killed && report.finding().isEmpty() && report.execs().isPresent();
        }
    }

    private FuzzRun() {
    }

    /**
     * Whether the targets' modules need building before a run: a module's compiled test class or its
     * {@code target/test-classpath.txt} is missing, or older than its sources or a POM.
     */
    public static List<String> modulesToBuild(Path root, List<FuzzTarget> targets) throws IOException {
        Set<String> stale = new LinkedHashSet<>();
        for (FuzzTarget t : targets) {
            Path dir = t.moduleDir(root);
            Path cp = dir.resolve("target/test-classpath.txt");
            if (!Files.isRegularFile(cp) || !Files.isRegularFile(t.compiledClass(root))) {
                stale.add(t.module());
                continue;
            }
            FileTime built = Files.getLastModifiedTime(cp);
            FileTime sources = newest(dir.resolve("src"), dir.resolve("pom.xml"), root.resolve("pom.xml"));
            if (sources.compareTo(built) > 0) {
                stale.add(t.module());
            }
        }
        return List.copyOf(stale);
    }

    /**
     * Builds the modules (and what they need) as the launcher does: {@code mvn -B -q -DskipTests -pl … -am
     * package}, which compiles the test sources and writes {@code target/test-classpath.txt}; never
     * {@code install}. Output to {@code <logDir>/build.log}.
     *
     * @throws BenchException when Maven fails or takes over 15 minutes
     */
    public static void build(Path root, List<String> modules, Path logDir) throws IOException, InterruptedException {
        Files.createDirectories(logDir);
        Path log = logDir.resolve("build.log");
        Process p = new ProcessBuilder("mvn", "-B", "-q", "-DskipTests", "-pl", String.join(",", modules), "-am",
            "package").directory(root.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(15, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new BenchException("building " + modules + " took over 15 minutes; see " + log);
        }
        if (p.exitValue() != 0) {
            throw new BenchException("building " + modules + " failed (mvn exit " + p.exitValue() + "); see " + log);
        }
        FileTime now = FileTime.fromMillis(System.currentTimeMillis());
        for (String m : modules) {
            Files.setLastModifiedTime(root.resolve(m).resolve("target/test-classpath.txt"), now);
        }
    }

    /** The child JVM's command line for {@code target}. */
    static List<String> command(FuzzTarget target, Settings s) throws IOException {
        Path dir = target.moduleDir(s.root());
        String testCp = Files.readString(dir.resolve("target/test-classpath.txt"), StandardCharsets.UTF_8).strip();
        String cp = dir.resolve("target/test-classes") + java.io.File.pathSeparator + dir.resolve("target/classes")
            + (testCp.isEmpty() ? "" : java.io.File.pathSeparator + testCp);
        List<String> cmd = new ArrayList<>();
        cmd.add(s.javaBinary().toString());
        cmd.addAll(s.jvmOptions());
        cmd.add("-cp");
        cmd.add(cp);
        cmd.add(JAZZER_MAIN);
        cmd.add("--target_class=" + target.testClass());
        cmd.add("--target_method=" + target.method());
        cmd.add("--hooks=true"); // over the regression build's jazzer.hooks=false (junit-platform.properties)
        cmd.add("-max_total_time=" + s.seconds());
        cmd.add("-print_final_stats=1");
        return cmd;
    }

    /**
     * Fuzzes {@code target} for {@link Settings#seconds()}; bounded by that plus {@link #GRACE}, after which
     * the child is killed.
     */
    public static Result run(FuzzTarget target, Settings s, Consumer<String> progress)
        throws IOException, InterruptedException {
        Files.createDirectories(s.logDir());
        Path log = s.logDir().resolve(target.name() + ".log");
        List<String> cmd = command(target, s);
        progress.accept("fuzz " + target.name() + ": " + s.seconds() + " s of " + target.testClass() + "#"
            + target.method() + " in " + target.module() + " (log " + s.root().relativize(log.toAbsolutePath()) + ")");
        long start = System.nanoTime();
        Process p = new ProcessBuilder(cmd).directory(target.moduleDir(s.root()).toFile()).redirectErrorStream(true)
            .redirectOutput(log.toFile()).start();
        boolean killed = false;
        if (!p.waitFor(s.seconds() + GRACE.toSeconds(), TimeUnit.SECONDS)) {
            killed = true;
            p.destroy(); // SIGTERM: libFuzzer still prints its closing lines
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
        double wall = (System.nanoTime() - start) / 1e9;
        List<String> lines;
        try (Stream<String> in = Files.lines(log, StandardCharsets.ISO_8859_1)) {
            lines = in.toList();
        }
        int exit = p.isAlive() ? -1 : p.exitValue();
        return new Result(target, Report.parse(lines), exit, killed, wall, log);
    }

    private static FileTime newest(Path... paths) throws IOException {
        FileTime newest = FileTime.fromMillis(0);
        for (Path path : paths) {
            if (!Files.exists(path)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(path)) {
                for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                    FileTime t = Files.getLastModifiedTime(f);
                    if (t.compareTo(newest) > 0) {
                        newest = t;
                    }
                }
            }
        }
        return newest;
    }
}
