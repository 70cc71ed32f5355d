package io.vinbind.hil.crash;

import io.vinbind.hil.bench.BenchException;
import io.vinbind.hil.bench.BenchTimeoutException;
import io.vinbind.terminal.machine.BindingState;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tinylog.Logger;

/**
 * The terminal daemon as a separate JVM, started the way the launcher starts it ({@code java -cp …
 * io.vinbind.terminal.cli.TerminalCli --config terminal.properties}), so that it can be killed with SIGKILL
 * like a head unit losing power: no shutdown hook, no flush, no clean MQTT disconnect.
 *
 * <p>Its log (stderr, tinylog at info, one line per event, written synchronously so nothing is lost in a
 * buffer at the kill) is read line by line as it arrives, kept with the arrival time and copied to a file.
 * The state machine logs every edge as {@code FROM -> TO: cause}; {@link #transitions()} are parsed from
 * those lines, so "which state was the daemon in when it was killed" is what the daemon itself last said.
 */
public final class DaemonProcess implements AutoCloseable {

    /** The daemon's main class, as the launcher's table maps {@code ./vinbind terminal}. */
    public static final String MAIN_CLASS = "io.vinbind.terminal.cli.TerminalCli";
    /** Class name (tinylog's {@code {class-name}}, without package) of the state machine's log lines. */
    private static final String MACHINE_CLASS = "BindingMachine";
    /** {@code <time> <LEVEL> [<thread>] <class>: <message>}, the format {@link #writeLogConfig} sets. */
    private static final Pattern LINE = Pattern.compile("^\\S+\\s+\\S+\\s+\\[[^\\]]*\\]\\s+(\\S+): (.*)$");
    private static final Pattern TRANSITION = Pattern.compile("^([A-Z_]+) -> ([A-Z_]+): ");
    private static final Duration EXIT_BOUND = Duration.ofSeconds(10);

    /** One line the daemon wrote, with the moment it arrived here ({@link System#nanoTime()}). */
    public record LogLine(long nanos, String text) {
        public LogLine {
            Objects.requireNonNull(text, "text");
        }
    }

    /** A state-machine edge the daemon logged. */
    public record Transition(long nanos, BindingState from, BindingState to, String line) {
        public Transition {
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(to, "to");
            Objects.requireNonNull(line, "line");
        }
    }

    private final Process process;
    private final long startNanos;
    private final Path logFile;
    private final List<LogLine> lines = new ArrayList<>(); // guarded by this
    private final List<Transition> transitions = new ArrayList<>(); // guarded by this
    private final Thread reader;
    private boolean ended; // guarded by this

    private DaemonProcess(Process process, long startNanos, Path logFile) {
        this.process = process;
        this.startNanos = startNanos;
        this.logFile = logFile;
        this.reader = new Thread(this::readLog, "daemon-log-" + process.pid());
        this.reader.setDaemon(true);
    }

    /** How to start the daemon JVM. */
    public record Launch(Path javaBinary, String classpath, List<String> jvmOptions, Path config, Path logFile) {
        public Launch {
            Objects.requireNonNull(javaBinary, "javaBinary");
            Objects.requireNonNull(classpath, "classpath");
            jvmOptions = List.copyOf(jvmOptions);
            Objects.requireNonNull(config, "config");
            Objects.requireNonNull(logFile, "logFile");
            if (classpath.isBlank()) {
                throw new IllegalArgumentException("empty classpath for the daemon JVM");
            }
        }

        /**
         * The java running this JVM and this JVM's classpath (which holds terminal-core and its dependencies
         * both under {@code ./vinbind} and under Maven's test runners), with the given options.
         */
        public static Launch likeThisJvm(List<String> jvmOptions, Path config, Path logFile) {
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            return new Launch(java, System.getProperty("java.class.path"), jvmOptions, config, logFile);
        }
    }

    /**
     * Starts the daemon JVM. A tinylog configuration next to {@code config} sends its log, at info and
     * without a writing thread, to stderr.
     *
     * @throws BenchException when the JVM cannot be started
     */
    public static DaemonProcess start(Launch launch) {
        Objects.requireNonNull(launch, "launch");
        List<String> cmd = new ArrayList<>();
        cmd.add(launch.javaBinary().toString());
        cmd.addAll(launch.jvmOptions());
        try {
            Path logConfig = writeLogConfig(launch.config().resolveSibling("daemon-tinylog.properties"));
            cmd.add("-Dtinylog.configuration=" + logConfig);
            cmd.add("-cp");
            cmd.add(launch.classpath());
            cmd.add(MAIN_CLASS);
            cmd.add("--config");
            cmd.add(launch.config().toString());
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.PIPE)
                    .start();
            DaemonProcess d = new DaemonProcess(p, t0, launch.logFile());
            d.reader.start();
            Logger.debug("terminal daemon process {} started: {}", p.pid(), launch.config());
            return d;
        } catch (IOException e) {
            throw new BenchException("cannot start the terminal daemon JVM " + launch.javaBinary() + ": " + e.getMessage(), e);
        }
    }

    /** Writes {@code terminal.properties} for the daemon. */
    public static Path writeConfig(Properties properties, Path file) {
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            properties.store(w, "written by the vinbind bench for a daemon process");
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static Path writeLogConfig(Path file) throws IOException {
        if (!Files.exists(file)) {
            Files.writeString(file, String.join("\n",
                    "writer        = console",
                    "writer.stream = err",
                    "writer.level  = info",
                    "writer.format = {date: HH:mm:ss.SSS} {level} [{thread}] {class-name}: {message}",
                    "writingthread = false", ""));
        }
        return file;
    }

    private void readLog() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
             BufferedWriter out = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                     StandardOpenOption.APPEND)) {
            out.write("---- daemon pid " + process.pid() + "\n");
            String s;
            while ((s = r.readLine()) != null) {
                long now = System.nanoTime();
                out.write(s);
                out.write('\n');
                out.flush();
                add(now, s);
            }
        } catch (IOException e) {
            // the pipe breaks when the process dies; what was read is kept
            Logger.debug("daemon {} log ended: {}", process.pid(), e.getMessage());
        } finally {
            synchronized (this) {
                ended = true;
                notifyAll();
            }
        }
    }

    private synchronized void add(long nanos, String text) {
        lines.add(new LogLine(nanos, text));
        Matcher m = LINE.matcher(text);
        if (m.matches() && m.group(1).equals(MACHINE_CLASS)) {
            Matcher t = TRANSITION.matcher(m.group(2));
            if (t.find()) {
                Optional<BindingState> from = state(t.group(1));
                Optional<BindingState> to = state(t.group(2));
                if (from.isPresent() && to.isPresent()) {
                    transitions.add(new Transition(nanos, from.get(), to.get(), text));
                }
            }
        }
        notifyAll();
    }

    private static Optional<BindingState> state(String name) {
        try {
            return Optional.of(BindingState.valueOf(name));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    public long pid() {
        return process.pid();
    }

    /** When this JVM asked for the process to start ({@link System#nanoTime()}). */
    public long startNanos() {
        return startNanos;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Every line so far. */
    public synchronized List<LogLine> lines() {
        return List.copyOf(lines);
    }

    /** Every transition the daemon logged so far, in order. */
    public synchronized List<Transition> transitions() {
        return List.copyOf(transitions);
    }

    /** The number of transitions so far: a position to wait from. */
    public synchronized int mark() {
        return transitions.size();
    }

    /** The last state the daemon said it entered; empty before its first transition. */
    public synchronized Optional<BindingState> lastState() {
        return transitions.isEmpty() ? Optional.empty() : Optional.of(transitions.get(transitions.size() - 1).to());
    }

    /**
     * Waits for a transition after position {@code mark} that {@code test} accepts.
     *
     * @throws BenchTimeoutException after {@code bound}, or at once when the process has ended without one
     */
    public Transition awaitTransition(int mark, Predicate<Transition> test, String what, Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        synchronized (this) {
            int seen = mark;
            while (true) {
                for (; seen < transitions.size(); seen++) {
                    if (test.test(transitions.get(seen))) {
                        return transitions.get(seen);
                    }
                }
                long left = deadline - System.nanoTime();
                if (ended || left <= 0) {
                    throw new BenchTimeoutException("daemon " + pid() + ": no " + what + (ended
                            ? " before its output ended (exit " + exitText() + ")" : " within " + bound.toMillis() + " ms")
                            + "; transitions seen: " + describe(transitions.subList(Math.min(mark, transitions.size()),
                            transitions.size())) + "; last lines: " + tail(5));
                }
                try {
                    wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new BenchException("interrupted while waiting for the daemon's " + what, e);
                }
            }
        }
    }

    /** Waits for the daemon to enter {@code state} after {@code mark}. */
    public Transition awaitEnter(int mark, BindingState state, Duration bound) {
        return awaitTransition(mark, t -> t.to() == state, "entering " + state, bound);
    }

    /** The last {@code n} lines, for failure messages. */
    public synchronized String tail(int n) {
        return String.join(" | ", lines.subList(Math.max(0, lines.size() - n), lines.size()).stream()
                .map(LogLine::text).toList());
    }

    private String exitText() {
        return process.isAlive() ? "still running" : Integer.toString(process.exitValue());
    }

    /**
     * SIGKILL (what {@link Process#destroyForcibly()} sends on Linux), then waits until the process is gone and
     * its log is read to the end, so {@link #lastState()} is the last thing it said.
     */
    public void kill() {
        process.destroyForcibly();
        awaitEnd("SIGKILL");
    }

    /** SIGTERM (a service stop: the daemon's shutdown hook runs), then waits for the end; SIGKILL if it hangs. */
    public void stop() {
        process.destroy();
        try {
            if (!process.waitFor(EXIT_BOUND.toMillis(), TimeUnit.MILLISECONDS)) {
                Logger.warn("daemon {} did not stop within {} after SIGTERM; killing it", pid(), EXIT_BOUND);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        kill();
    }

    private void awaitEnd(String how) {
        try {
            if (!process.waitFor(EXIT_BOUND.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new BenchException("daemon " + pid() + " still alive " + EXIT_BOUND.toMillis() + " ms after " + how);
            }
            reader.join(EXIT_BOUND.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted while waiting for daemon " + pid() + " to end", e);
        }
    }

    /** Exit status once ended. */
    public int exitValue() {
        return process.exitValue();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            kill();
        }
    }

    static String describe(List<Transition> ts) {
        if (ts.isEmpty()) {
            return "none";
        }
        StringBuilder b = new StringBuilder();
        for (Transition t : ts) {
            if (b.length() > 0) {
                b.append("; ");
            }
            b.append(t.from()).append(" -> ").append(t.to());
        }
        return b.toString();
    }
}
