package io.vinbind.hil.cli;

import io.vinbind.hil.bench.BenchException;
import io.vinbind.hil.bench.ServerBackend;
import io.vinbind.hil.crash.CrashRun;
import io.vinbind.hil.crash.ServerCrashRun;
import io.vinbind.hil.fuzz.FuzzRun;
import io.vinbind.hil.fuzz.FuzzTarget;
import io.vinbind.hil.perf.MemoryRun;
import io.vinbind.hil.perf.PresenceBench;
import io.vinbind.hil.perf.ServerBench;
import io.vinbind.hil.perf.TerminalBench;
import io.vinbind.modem.link.SocatPtyPair;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./vinbind bench}: the benchmarks, the long crash test and the fuzzing run. Figures go to stdout (one
 * line per phase, measurement or fuzz target), progress and logs to stderr. Nothing here asserts on a time:
 * these are measurements.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Benchmarks of the binding server and the terminal daemon, the long crash test and the "
                + "fuzzing run. Without a command: server, then terminal, with their defaults. Figures go to stdout, progress and "
                + "logs to stderr; the recorded figures and how to read them are in docs/benchmarks.md.",
            "Exit status: 0 when every request got its answer and every invariant held, 1 otherwise, 2 on bad "
                    + "usage or when the bench cannot run."},
        subcommands = {BenchCli.Server.class, BenchCli.Presence.class, BenchCli.Terminal.class, BenchCli.Crash.class, BenchCli.ServerCrash.class,
            BenchCli.Fuzz.class, BenchCli.ServerMemory.class, BenchCli.Dist.class, BenchCli.All.class, CommandLine.HelpCommand.class})
public final class BenchCli implements Callable<Integer> {

    static final int EXIT_INCOMPLETE = 1;
    static final int EXIT_CANNOT_RUN = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchCli()).execute(args));
    }

    /** Without a subcommand: everything but the crash test. */
    @Override
    public Integer call() {
        return new All().runWith(spec.commandLine().getOut(), spec.commandLine().getErr());
    }

    /** Options of the server benchmark. */
    static final class ServerOptions {
        @Option(names = {"-n", "--terminals"}, paramLabel = "N", defaultValue = "1000",
                description = "simulated terminals (default ${DEFAULT-VALUE}; up to 10000 with --large)")
        int terminals;

        @Option(names = "--large", description = "allow more than 1000 terminals (up to 10000; mind `ulimit -n`: the "
                + "embedded broker runs in this JVM, so it needs two descriptors per terminal)")
        boolean large;

        @Option(names = "--backend", paramLabel = "WHICH", defaultValue = "both",
                description = "embedded (broker with TLS and client certificates + H2 in this JVM), external (--mqtt + "
                        + "--db) or both (default; external only when both services answer)")
        String backend;

        @Option(names = "--plaintext", negatable = true, defaultValue = "true", fallbackValue = "true",
                description = "after the embedded TLS run, run the embedded broker again in insecure plaintext mode "
                        + "(loopback, identities by user name) to show what TLS with client certificates costs "
                        + "(default on; --no-plaintext skips it)")
        boolean plaintext;

        @Option(names = "--mqtt", paramLabel = "URI", defaultValue = "tcp://127.0.0.1:1883",
                description = "external broker (default ${DEFAULT-VALUE})")
        URI mqtt;

        @Option(names = "--private-mosquitto", description = "for the external run, start a mosquitto process of the "
                + "bench's own on a free port as ./vinbind server mosquitto-config configures it (TLS with a "
                + "certificate per terminal, vinbind's ACL plugin, fleet queue and in-flight limits, TCP_NODELAY; no "
                + "other server on a shared broker takes requests) instead of using --mqtt")
        boolean privateMosquitto;

        @Option(names = "--db", paramLabel = "JDBC", defaultValue = "jdbc:postgresql://127.0.0.1:5432/test",
                description = "external database, a fresh schema dropped afterwards (default ${DEFAULT-VALUE})")
        String db;

        @Option(names = "--db-user", paramLabel = "USER", defaultValue = "postgres",
                description = "database user, trust authentication (default ${DEFAULT-VALUE})")
        String dbUser;

        @Option(names = "--connect-window", paramLabel = "K", defaultValue = "200",
                description = "connection handshakes in flight at most (default ${DEFAULT-VALUE})")
        int connectWindow;

        @Option(names = "--quiet-timeout", paramLabel = "SECONDS", defaultValue = "30",
                description = "a phase gives up on the rest after this long without an answer (default ${DEFAULT-VALUE})")
        int quietSeconds;

        @Option(names = "--seed", paramLabel = "SEED", description = "seed of the generated identities (default: random, printed)")
        Long seed;

        int run(PrintWriter out, PrintWriter err) {
            if (terminals > 1000 && !large) {
                err.println("bench server: " + terminals + " terminals needs --large (the default is 1000)");
                return EXIT_CANNOT_RUN;
            }
            boolean embedded = backend.equals("embedded") || backend.equals("both");
            boolean external = backend.equals("external") || backend.equals("both");
            if (!embedded && !external) {
                err.println("bench server: --backend must be embedded, external or both, not '" + backend + "'");
                return EXIT_CANNOT_RUN;
            }
            long s = seed != null ? seed : System.nanoTime();
            out.println("# server bench: " + terminals + " terminals, seed " + s);
            int missing = 0;
            List<ServerBench.Result> results = new ArrayList<>();
            if (embedded) {
                long limit = openFileLimit();
                long needed = 2L * terminals + DESCRIPTOR_MARGIN;
                if (needed > limit) {
                    String why = "the embedded broker runs in this JVM: " + terminals + " terminals need about " + needed
                            + " file descriptors, the limit (ulimit -n) is " + limit;
                    if (backend.equals("both")) {
                        out.println("embedded backend skipped: " + why);
                    } else {
                        err.println("bench server: " + why);
                        return EXIT_CANNOT_RUN;
                    }
                } else {
                    results.add(ServerBench.run(settings(Optional.empty(), Optional.empty(), s, false, false), err::println));
                    if (plaintext) {
                        results.add(ServerBench.run(settings(Optional.empty(), Optional.empty(), s, false, true),
                                err::println));
                    }
                }
            }
            if (external) {
                String why = externalUnavailable();
                if (why != null && backend.equals("both")) {
                    out.println("external backend skipped: " + why);
                } else if (why != null) {
                    err.println("bench server: " + why);
                    return EXIT_CANNOT_RUN;
                } else {
                    results.add(ServerBench.run(privateMosquitto ? settings(Optional.empty(), Optional.of(db), s, true, false)
                            : settings(Optional.of(mqtt), Optional.of(db), s, false, false), err::println));
                }
            }
            for (ServerBench.Result r : results) {
                out.println();
                out.println("## " + r.target() + ", " + r.terminals() + " terminals");
                out.printf("factory CSV import: %.0f ms%n", r.registerNanos() / 1e6);
                r.phases().forEach(p -> out.println(p));
                if (r.bindToEchoRatio().isPresent()) {
                    out.printf("binds/s %.0f = %.2f x the warm echo rate %.0f/s on the same broker; missing answers: %d%n",
                            r.phase("bind").ratePerSecond(), r.bindToEchoRatio().get(),
                            r.phase("echo-warm").ratePerSecond(), r.missingAcks());
                } else {
                    out.printf("connects/s %.0f, binds/s %.0f (no echo: the broker's permissions allow terminals only"
                            + " their own topics); missing answers: %d%n", r.phase("connect").ratePerSecond(),
                            r.phase("bind").ratePerSecond(), r.missingAcks());
                }
                missing += r.missingAcks();
            }
            Optional<ServerBench.Result> tls = results.stream().filter(r -> r.target().contains("TLS")).findFirst();
            Optional<ServerBench.Result> plain = results.stream().filter(r -> r.target().contains("plaintext")).findFirst();
            if (tls.isPresent() && plain.isPresent()) {
                out.println();
                out.printf("TLS + client certificates vs plaintext, embedded broker, %d terminals: connects/s %.0f vs %.0f"
                        + " (%.2f x), binds/s %.0f vs %.0f (%.2f x)%n", tls.get().terminals(),
                        tls.get().phase("connect").ratePerSecond(), plain.get().phase("connect").ratePerSecond(),
                        tls.get().phase("connect").ratePerSecond() / plain.get().phase("connect").ratePerSecond(),
                        tls.get().phase("bind").ratePerSecond(), plain.get().phase("bind").ratePerSecond(),
                        tls.get().phase("bind").ratePerSecond() / plain.get().phase("bind").ratePerSecond());
            }
            out.flush();
            return missing == 0 ? 0 : EXIT_INCOMPLETE;
        }

        /** Descriptors besides the terminals' sockets: jars, database files, the server's own connections. */
        private static final long DESCRIPTOR_MARGIN = 500;

        /** The soft limit of open files of this process ({@code /proc/self/limits}); unlimited if unreadable. */
        private static long openFileLimit() {
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

        private ServerBench.Settings settings(Optional<URI> m, Optional<String> d, long s, boolean own, boolean plain) {
            return new ServerBench.Settings(terminals, m, d, dbUser, connectWindow, Duration.ofSeconds(quietSeconds), s, own,
                    plain);
        }

        private String externalUnavailable() {
            if (privateMosquitto) {
                String why = io.vinbind.hil.perf.PrivateMosquitto.securedUnavailableReason();
                if (why != null) {
                    return why + " (needed for --private-mosquitto)";
                }
            } else if (!listening(mqtt)) {
                return "no broker listening at " + mqtt;
            }
            URI pg = URI.create(db.substring("jdbc:".length()));
            if (!listening(URI.create("tcp://" + pg.getHost() + ":" + (pg.getPort() > 0 ? pg.getPort() : 5432)))) {
                return "no database listening for " + db;
            }
            return null;
        }

        private static boolean listening(URI u) {
            try (java.net.Socket s = new java.net.Socket()) {
                s.connect(new java.net.InetSocketAddress(u.getHost(), u.getPort()), 500);
                return true;
            } catch (IOException e) {
                return false;
            }
        }
    }

    @Command(name = "server", mixinStandardHelpOptions = true,
            description = {"N simulated terminals (a raw NIO MQTT 5 client, all on one thread) are registered by "
                    + "factory CSV import, then connect, log in and upload a VIN at once. Reports binds/s, upload-to-ack "
                    + "p50/p99/max, acks missing, and the QoS 1 request/response rate of a trivial echo responder on "
                    + "the same broker in the same run (before and after the binds)."})
    static final class Server implements Callable<Integer> {
        @CommandLine.Mixin
        ServerOptions options = new ServerOptions();

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            return guarded(spec, () -> options.run(spec.commandLine().getOut(), spec.commandLine().getErr()));
        }
    }

    @Command(name = "presence", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"N simulated terminals (a raw NIO MQTT 5 client, all on one thread) stay connected and "
                    + "heartbeat against the binding server (a process of its own, on PostgreSQL) through a plaintext "
                    + "Mosquitto of the run's own without vinbind's ACL, so that the same connections can also make a "
                    + "QoS 1 echo round trip on the same broker in the same run: the reference of the ratios.",
                "Reports connects/s, heartbeats/s (all at once, first and steady path) and binds/s, each with its "
                    + "ratio to the warm echo rate; heartbeat-to-ack p50/p99/max at a fixed rate (each terminal "
                    + "every --interval for --duration) and the largest backlog of un-acked heartbeats; the server's "
                    + "RSS and heap after GC and the broker's RSS per connected terminal; acks missing, duplicate "
                    + "and wrong.",
                "One descriptor per terminal in this JVM and in the broker: N is bounded by `ulimit -Hn` (the "
                    + "launcher raises the soft limit to it). Examples: ./vinbind bench presence;  ./vinbind bench "
                    + "presence -n 10000;  ./vinbind bench presence -n 100000 (refused, naming the limit, where it "
                    + "does not fit)."})
    static final class Presence implements Callable<Integer> {
        @Option(names = {"-n", "--terminals"}, paramLabel = "N", defaultValue = "1000",
                description = "simulated terminals, 1.." + PresenceBench.MAX_TERMINALS + " (default ${DEFAULT-VALUE})")
        int terminals;

        @Option(names = "--interval", paramLabel = "DURATION", defaultValue = "5s", converter = ShortDuration.class,
                description = "each terminal's heartbeat period in the steady phase (default ${DEFAULT-VALUE}, the "
                        + "shortest the server's limits allow)")
        Duration interval;

        @Option(names = "--duration", paramLabel = "DURATION", defaultValue = "30s", converter = ShortDuration.class,
                description = "length of the steady phase, 0s skips it (default ${DEFAULT-VALUE})")
        Duration duration;

        @Option(names = "--db", paramLabel = "JDBC", defaultValue = "jdbc:postgresql://127.0.0.1:5432/test",
                description = "PostgreSQL, a fresh schema dropped afterwards (default ${DEFAULT-VALUE})")
        String db;

        @Option(names = "--db-user", paramLabel = "USER", defaultValue = "postgres",
                description = "database user, trust authentication (default ${DEFAULT-VALUE})")
        String dbUser;

        @Option(names = "--connect-window", paramLabel = "K", defaultValue = "200",
                description = "connection handshakes in flight at most (default ${DEFAULT-VALUE})")
        int connectWindow;

        @Option(names = "--quiet-timeout", paramLabel = "SECONDS", defaultValue = "30",
                description = "a phase gives up on the rest after this long without an answer (default ${DEFAULT-VALUE})")
        int quietSeconds;

        @Option(names = "--rounds", paramLabel = "R", defaultValue = "3",
                description = "rounds of the warm echo and of the heartbeats, alternating; the ratio takes the medians "
                        + "(1..10, default ${DEFAULT-VALUE})")
        int rounds;

        @Option(names = "--warmup", paramLabel = "R", defaultValue = "3",
                description = "warm-up rounds before anything is measured: a fleet of other identities (as many as "
                        + "measured, at most 5,000) echoes, heartbeats, logs in and binds R times, then the tables are "
                        + "analysed; 0 measures a cold server (0..20, default ${DEFAULT-VALUE})")
        int warmup;

        @Option(names = "--seed", paramLabel = "SEED", description = "seed of the generated identities (default: random, printed)")
        Long seed;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            return guarded(spec, () -> {
                PrintWriter out = spec.commandLine().getOut();
                PrintWriter err = spec.commandLine().getErr();
                if (io.vinbind.hil.perf.PrivateMosquitto.binary().isEmpty()) {
                    err.println("bench presence: no mosquitto binary on the PATH or in /usr/sbin");
                    return EXIT_CANNOT_RUN;
                }
                long s = seed != null ? seed : System.nanoTime();
                out.println("# presence bench: " + terminals + " terminals, seed " + s + ", open files limit "
                        + PresenceBench.openFileLimit() + ", load average " + loadAverage());
                out.flush();
                PresenceBench.Result r = PresenceBench.run(new PresenceBench.Settings(terminals, db, dbUser, connectWindow,
                        interval, duration, Duration.ofSeconds(quietSeconds), s, rounds, warmup), err::println);
                out.println(r.report());
                out.println("# load average after: " + loadAverage());
                out.flush();
                return r.missingAcks() == 0 && r.duplicates() == 0 && r.wrong() == 0 ? 0 : EXIT_INCOMPLETE;
            });
        }

        private static String loadAverage() {
            try {
                return Files.readString(Path.of("/proc/loadavg")).strip();
            } catch (IOException e) {
                return "unreadable";
            }
        }
    }

    /** Options of the terminal benchmark. */
    static final class TerminalOptions {
        @Option(names = "--runs", paramLabel = "N", defaultValue = "10",
                description = "timed bindings (after two warm-up bindings; default ${DEFAULT-VALUE})")
        int runs;

        @Option(names = "--starts", paramLabel = "N", defaultValue = "5",
                description = "daemon processes started for JVM-start-to-first-CAN-request (default ${DEFAULT-VALUE})")
        int starts;

        @Option(names = "--xmx", paramLabel = "SIZE", defaultValue = "32m",
                description = "heap limit of the measured daemon process (default ${DEFAULT-VALUE})")
        String xmx;

        int run(PrintWriter out, PrintWriter err) {
            if (!SocatPtyPair.socatAvailable()) {
                err.println("bench terminal: socat is needed (the daemon's SLCAN and AT ports are socat pty pairs)");
                return EXIT_CANNOT_RUN;
            }
            TerminalBench.Result r = TerminalBench.run(new TerminalBench.Settings(runs, starts, xmx), err::println);
            out.println(r.report());
            out.flush();
            return 0;
        }
    }

    @Command(name = "terminal", mixinStandardHelpOptions = true,
            description = {"The terminal daemon against zero-delay simulators over socat pty pairs (SLCAN, AT) and "
                    + "the embedded server: ACC to flag cleared, split into the terminal's own time and the time "
                    + "waiting on the bus, the modem and the server; JVM start to first UDS request seen by the ECU "
                    + "simulator (a daemon process); heap and resident memory of a daemon process run with -Xmx32m."})
    static final class Terminal implements Callable<Integer> {
        @CommandLine.Mixin
        TerminalOptions options = new TerminalOptions();

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            return guarded(spec, () -> options.run(spec.commandLine().getOut(), spec.commandLine().getErr()));
        }
    }

    @Command(name = "dist", mixinStandardHelpOptions = true,
            description = {"The installed terminal distribution (an unpacked vinbind-terminal tarball): JVM start to "
                    + "first UDS request seen by the ECU simulator and RSS at rest after a binding, with the JVM's "
                    + "defaults and with the unit's lean options, each without and with an AppCDS archive made by a "
                    + "first run as the start script makes it (docs/benchmarks.md, \"terminal-dist\")."})
    static final class Dist implements Callable<Integer> {
        @Option(names = "--dist", paramLabel = "DIR", required = true,
                description = "the unpacked tarball (bin, lib, systemd), e.g. after tar xzf "
                        + "terminal-dist/target/vinbind-terminal-*-linux-amd64.tar.gz -C /tmp: /tmp/vinbind-terminal")
        java.nio.file.Path dist;

        @Option(names = "--starts", paramLabel = "N", defaultValue = "5",
                description = "daemon processes per variant (default ${DEFAULT-VALUE})")
        int starts;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            return guarded(spec, () -> {
                PrintWriter err = spec.commandLine().getErr();
                if (!SocatPtyPair.socatAvailable()) {
                    err.println("bench dist: socat is needed (the daemon's SLCAN and AT ports are socat pty pairs)");
                    return EXIT_CANNOT_RUN;
                }
                io.vinbind.hil.perf.DistBench.Result r = io.vinbind.hil.perf.DistBench.run(
                        new io.vinbind.hil.perf.DistBench.Settings(dist, starts), err::println);
                spec.commandLine().getOut().println(r.report());
                spec.commandLine().getOut().flush();
                return 0;
            });
        }
    }

    @Command(name = "crash", mixinStandardHelpOptions = true,
            description = {"The crash test at length: the terminal daemon as a separate process, SIGKILLed at random "
                    + "moments while it binds (the modem replaced, the vehicle changed or a service request between "
                    + "rounds), restarted, and checked: after every kill the flag is clear only if the server holds "
                    + "the binding the state file names; after every undisturbed restart the daemon binds the current "
                    + "VIN and IMSI. Prints the seed; --seed repeats a run."})
    static final class Crash implements Callable<Integer> {
        @Option(names = "--kills", paramLabel = "N", defaultValue = "100", description = "SIGKILLs in all (default ${DEFAULT-VALUE}, at most 10000)")
        int kills;

        @Option(names = "--seed", paramLabel = "SEED", description = "seed of every random choice (default: random, printed)")
        Long seed;

        @Option(names = "--backend", paramLabel = "WHICH", defaultValue = "embedded",
                description = "embedded (default) or external (a private Mosquitto with TLS and vinbind's ACL plugin + "
                        + "PostgreSQL 127.0.0.1:5432/test)")
        String backend;

        @Option(names = "--log", paramLabel = "FILE", defaultValue = "target/crash-daemon.log",
                description = "every daemon's log, appended (default ${DEFAULT-VALUE})")
        Path log;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            return guarded(spec, () -> {
                PrintWriter out = spec.commandLine().getOut();
                PrintWriter err = spec.commandLine().getErr();
                if (!SocatPtyPair.socatAvailable()) {
                    err.println("bench crash: socat is needed (the daemon's SLCAN and AT ports are socat pty pairs)");
                    return EXIT_CANNOT_RUN;
                }
                ServerBackend b = switch (backend) {
                    case "embedded" -> ServerBackend.EMBEDDED;
                    case "external" -> ServerBackend.MOSQUITTO_POSTGRES;
                    default -> null;
                };
                if (b == null) {
                    err.println("bench crash: --backend must be embedded or external, not '" + backend + "'");
                    return EXIT_CANNOT_RUN;
                }
                if (b.unavailableReason() != null) {
                    err.println("bench crash: " + b.unavailableReason());
                    return EXIT_CANNOT_RUN;
                }
                Path logFile = log.toAbsolutePath();
                Files.createDirectories(logFile.getParent());
                long s = seed != null ? seed : System.nanoTime();
                CrashRun.Settings settings = new CrashRun.Settings(kills, s, b, 0.35, Duration.ofSeconds(30),
                        CrashRun.Settings.DEFAULT_JVM, logFile);
                CrashRun.Report r = CrashRun.run(settings, line -> {
                    out.println(line);
                    out.flush();
                });
                return r.violations().isEmpty() && r.survived() == r.points().size() ? 0 : EXIT_INCOMPLETE;
            });
        }
    }

    @Command(name = "fuzz", mixinStandardHelpOptions = true,
            description = {"Coverage-guided fuzzing of the codecs (Jazzer): each target's @FuzzTest in a JVM of its own "
                    + "(Jazzer's standalone driver on the module's test classpath, in the module's directory) for "
                    + "--seconds, from its committed corpus. Prints one line per target: inputs run, inputs per "
                    + "second, coverage, corpus, and the finding if there was one; an input that fails a target is "
                    + "written into its corpus directory as crash-<sha1>, the build's regression run picks it up. "
                    + "Builds the modules first when their tests are not built or older than their sources.",
                "Targets: json, slcan, slcan-frames, isotp, isotp-segmented, at, csv, csv-record (docs/bench.md, "
                    + "section fuzzing)."})
    static final class Fuzz implements Callable<Integer> {
        @Option(names = "--seconds", paramLabel = "N", defaultValue = "60",
                description = "fuzzing time per target (default ${DEFAULT-VALUE})")
        int seconds;

        @Option(names = "--target", paramLabel = "T", split = ",",
                description = "targets to run, repeatable or comma-separated (default: all, in the order above)")
        List<String> targets;

        @Option(names = "--no-build", description = "do not build; fail when the targets' tests are not built")
        boolean noBuild;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            return guarded(spec, () -> {
                PrintWriter out = spec.commandLine().getOut();
                PrintWriter err = spec.commandLine().getErr();
                List<FuzzTarget> chosen = new ArrayList<>();
                for (String name : targets == null ? List.<String>of() : targets) {
                    Optional<FuzzTarget> t = FuzzTarget.named(name.strip());
                    if (t.isEmpty()) {
                        err.println("bench fuzz: no target '" + name + "'; targets: "
                                + FuzzTarget.ALL.stream().map(FuzzTarget::name).toList());
                        return EXIT_CANNOT_RUN;
                    }
                    chosen.add(t.get());
                }
                if (chosen.isEmpty()) {
                    chosen.addAll(FuzzTarget.ALL);
                }
                Path root = Path.of(System.getProperty("vinbind.home", "")).toAbsolutePath();
                FuzzRun.Settings settings = FuzzRun.Settings.defaults(root, seconds);
                List<String> stale = FuzzRun.modulesToBuild(root, chosen);
                if (!stale.isEmpty()) {
                    if (noBuild) {
                        err.println("bench fuzz: the tests of " + stale + " are not built or older than their sources; run "
                                + "mvn -B -q -DskipTests -pl " + String.join(",", stale) + " -am package");
                        return EXIT_CANNOT_RUN;
                    }
                    err.println("bench fuzz: building " + stale + " (mvn -DskipTests package; log target/fuzz/build.log)");
                    FuzzRun.build(root, stale, settings.logDir());
                }
                out.println("# fuzz: " + seconds + " s per target, " + Runtime.getRuntime().availableProcessors()
                        + " cores, " + System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
                out.println("target | inputs run | inputs/s | coverage (edges) | features | corpus (seeds) | wall s | outcome");
                out.flush();
                int failed = 0;
                for (FuzzTarget t : chosen) {
                    FuzzRun.Result r = FuzzRun.run(t, settings, err::println);
                    out.println(line(r, root));
                    r.report().finding().ifPresent(f -> out.println("  " + t.name() + ": " + f));
                    out.flush();
                    if (!r.clean()) {
                        failed++;
                    }
                }
                return failed == 0 ? 0 : EXIT_INCOMPLETE;
            });
        }

        static String line(FuzzRun.Result r, Path root) {
            FuzzRun.Report p = r.report();
            String outcome;
            if (r.killed()) {
                outcome = "killed after " + (int) r.wallSeconds() + " s (overran; see " + root.relativize(r.log()) + ")";
            } else if (p.finding().isPresent() || r.exitCode() != 0) {
                outcome = "FINDING (exit " + r.exitCode() + ")" + p.reproducer().map(x -> ", input "
                        + (x.isAbsolute() && x.startsWith(root) ? root.relativize(x) : x)).orElse("")
                        + "; log " + root.relativize(r.log());
            } else if (p.execs().isEmpty()) {
                outcome = "no figures (see " + root.relativize(r.log()) + ")";
            } else {
                outcome = "no finding";
            }
            return String.format(java.util.Locale.ROOT, "%s | %s | %s | %s | %s | %s (%s) | %.0f | %s", r.target().name(),
                    num(p.execs()), num(p.execsPerSecond()), num(p.coverage()), num(p.features()), num(p.corpus()),
                    num(p.seeds()), r.wallSeconds(), outcome);
        }

        private static String num(java.util.OptionalLong v) {
            return v.isPresent() ? Long.toString(v.getAsLong()) : "-";
        }
    }

    @Command(name = "server-crash", mixinStandardHelpOptions = true,
            description = {"The server crash test at length: the binding server as a separate process under a burst of "
                    + "logins and binds from N simulated terminals, SIGKILLed before the first answers, mid-burst, or "
                    + "just after the answers (of the burst, or of a single bind), restarted on the same data, and "
                    + "checked: every answer a terminal received is still what the server holds (live binding, history, "
                    + "login on record, identical replay from the stored answer), and every unanswered request "
                    + "converges when sent again with its requestId. Backends: embedded (HiveMQ CE inside the server + "
                    + "H2 file) and postgres (a private Mosquitto with TLS and vinbind's ACL plugin that outlives the kill + "
                    + "PostgreSQL, fresh schema). "
                    + "Prints one line per kill point and a summary; --seed repeats a run's choices."})
    static final class ServerCrash implements Callable<Integer> {
        @Option(names = "--backend", paramLabel = "WHICH", defaultValue = "both",
                description = "embedded, postgres, or both (default; postgres only when mosquitto and PostgreSQL are there)")
        String backend;

        @Option(names = "--kills", paramLabel = "N", defaultValue = "100",
                description = "SIGKILLs per backend (default ${DEFAULT-VALUE}, at most 10000)")
        int kills;

        @Option(names = {"-n", "--terminals"}, paramLabel = "N", defaultValue = "50",
                description = "simulated terminals per round (default ${DEFAULT-VALUE}, at most 2000)")
        int terminals;

        @Option(names = "--seed", paramLabel = "SEED", description = "seed of every choice (default: random, printed)")
        Long seed;

        @Option(names = "--db", paramLabel = "JDBC", defaultValue = ServerCrashRun.POSTGRES_URL,
                description = "PostgreSQL for the postgres backend, a fresh schema dropped afterwards (default ${DEFAULT-VALUE})")
        String db;

        @Option(names = "--db-user", paramLabel = "USER", defaultValue = ServerCrashRun.POSTGRES_USER,
                description = "database user, trust authentication (default ${DEFAULT-VALUE})")
        String dbUser;

        @Option(names = "--log-dir", paramLabel = "DIR", defaultValue = "target",
                description = "where every server's output goes, server-crash-<backend>.log (default ${DEFAULT-VALUE})")
        Path logDir;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            return guarded(spec, () -> {
                PrintWriter out = spec.commandLine().getOut();
                PrintWriter err = spec.commandLine().getErr();
                List<ServerCrashRun.Backend> backends = switch (backend) {
                    case "embedded" -> List.of(ServerCrashRun.Backend.EMBEDDED);
                    case "postgres" -> List.of(ServerCrashRun.Backend.POSTGRES);
                    case "both" -> List.of(ServerCrashRun.Backend.EMBEDDED, ServerCrashRun.Backend.POSTGRES);
                    default -> null;
                };
                if (backends == null) {
                    err.println("bench server-crash: --backend must be embedded, postgres or both, not '" + backend + "'");
                    return EXIT_CANNOT_RUN;
                }
                long s = seed != null ? seed : System.nanoTime();
                out.println("# server crash test: seed " + s + ", " + kills + " kills per backend, " + terminals
                        + " terminals per round");
                out.flush();
                List<ServerCrashRun.Report> reports = new ArrayList<>();
                for (ServerCrashRun.Backend b : backends) {
                    if (b == ServerCrashRun.Backend.POSTGRES) {
                        String why = ServerCrashRun.postgresUnavailableReason(db, dbUser);
                        if (why != null && backend.equals("both")) {
                            out.println("postgres backend " + why);
                            continue;
                        } else if (why != null) {
                            err.println("bench server-crash: " + why);
                            return EXIT_CANNOT_RUN;
                        }
                    }
                    ServerCrashRun.Settings d = ServerCrashRun.Settings.of(b, kills, terminals, s, logDir.toAbsolutePath());
                    ServerCrashRun.Settings settings = new ServerCrashRun.Settings(b, kills, terminals, s, d.logDir(),
                            d.serverJvm(), db, dbUser, d.restartBound(), d.convergeBound());
                    reports.add(ServerCrashRun.run(settings, line -> {
                        out.println(line);
                        out.flush();
                    }));
                }
                if (reports.size() > 1) {
                    out.println(ServerCrashRun.combined(reports));
                }
                out.flush();
                boolean clean = reports.stream().allMatch(r -> r.violations().isEmpty()
                        && r.survived() == r.points().size() && r.points().size() == kills);
                return clean ? 0 : EXIT_INCOMPLETE;
            });
        }
    }


    @Command(name = "server-memory", mixinStandardHelpOptions = true,
            description = {"The server's resident memory under sustained malformed input: the binding server as a "
                    + "separate process started like ./vinbind server (the launcher's memory options and malloc "
                    + "settings), its embedded broker behind TLS, sent a seeded storm of malformed payloads (broken "
                    + "JSON, invalid UTF-8, wrong types, unknown IMSIs, foreign identities and topics, over the "
                    + "protocol's 1 KiB and the broker's 256 KiB limits, 10 MiB packets) by terminals with their own "
                    + "certificates, while VmRSS/VmHWM and the heap are sampled. A valid login and bind before and "
                    + "after. Prints a summary; the samples go to LOG-DIR/server-memory-SEED.csv.",
                "Exit status 1 when the server died, did not answer the login and bind afterwards, did not get every "
                        + "payload within the time bound, or its peak resident memory (VmHWM) exceeded the bound its "
                        + "options state (docs/server.md, \"Memory\")."})
    static final class ServerMemory implements Callable<Integer> {
        @Option(names = "--payloads", paramLabel = "N", defaultValue = "20000",
                description = "malformed payloads in all, the 10 MiB ones included (default ${DEFAULT-VALUE}, at most 1000000)")
        int payloads;

        @Option(names = "--big", paramLabel = "N", defaultValue = "5",
                description = "of those, 10 MiB packets, each on a connection of its own (default ${DEFAULT-VALUE})")
        int big;

        @Option(names = "--connections", paramLabel = "N", defaultValue = "8",
                description = "storm terminals, each with its own certificate (default ${DEFAULT-VALUE}, at most 64)")
        int connections;

        @Option(names = "--runs", paramLabel = "N", defaultValue = "1",
                description = "runs, each with a fresh server; seeds SEED, SEED+1, ... (default ${DEFAULT-VALUE}, at most 20)")
        int runs;

        @Option(names = "--seed", paramLabel = "SEED", description = "seed of every choice (default: random, printed)")
        Long seed;

        @Option(names = "--time-bound", paramLabel = "DURATION", defaultValue = "30m", converter = ShortDuration.class,
                description = "the storm stops (and the run fails) after this long (default ${DEFAULT-VALUE})")
        Duration timeBound;

        @Option(names = "--server-jvm", paramLabel = "OPTION", split = " ",
                description = "JVM options for the server after the launcher's, which they override as JAVA_OPTS "
                        + "does, e.g. --server-jvm=-Xmx256m")
        List<String> serverJvm = new ArrayList<>();

        @Option(names = "--log-dir", paramLabel = "DIR", defaultValue = "target",
                description = "where the server's output (server-memory.log) and the samples go (default ${DEFAULT-VALUE})")
        Path logDir;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            return guarded(spec, () -> {
                PrintWriter out = spec.commandLine().getOut();
                PrintWriter err = spec.commandLine().getErr();
                if (runs < 1 || runs > 20) {
                    err.println("bench server-memory: --runs must be 1..20, not " + runs);
                    return EXIT_CANNOT_RUN;
                }
                long s = seed != null ? seed : System.nanoTime();
                boolean passed = true;
                for (int r = 0; r < runs; r++) {
                    MemoryRun.Settings settings = new MemoryRun.Settings(payloads, big, connections, s + r,
                            logDir.toAbsolutePath(), serverJvm, timeBound);
                    MemoryRun.Result result = MemoryRun.run(settings, line -> {
                        err.println(line);
                        err.flush();
                    });
                    out.println(result.summary());
                    out.flush();
                    passed &= result.passed();
                }
                return passed ? 0 : EXIT_INCOMPLETE;
            });
        }
    }

    @Command(name = "all", mixinStandardHelpOptions = true, description = "server, then terminal, with their defaults")
    static final class All implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            return runWith(spec.commandLine().getOut(), spec.commandLine().getErr());
        }

        int runWith(PrintWriter out, PrintWriter err) {
            try {
                int a = CommandLine.populateCommand(new ServerOptions()).run(out, err);
                int b = CommandLine.populateCommand(new TerminalOptions()).run(out, err);
                return Math.max(a, b);
            } catch (BenchException e) {
                err.println("bench: " + e.getMessage());
                return EXIT_CANNOT_RUN;
            }
        }
    }

    private interface Body {
        Integer run() throws Exception;
    }

    private static Integer guarded(CommandLine.Model.CommandSpec spec, Body body) {
        try {
            return body.run();
        } catch (BenchException | IOException | IllegalArgumentException e) {
            spec.commandLine().getErr().println(spec.name() + ": " + e.getMessage());
            return EXIT_CANNOT_RUN;
        } catch (Exception e) {
            spec.commandLine().getErr().println(spec.name() + ": " + e);
            return EXIT_CANNOT_RUN;
        }
    }
}
