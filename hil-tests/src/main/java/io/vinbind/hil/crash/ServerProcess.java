package io.vinbind.hil.crash;

import io.vinbind.hil.bench.BenchException;
import io.vinbind.hil.bench.BenchTimeoutException;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tinylog.Logger;

/**
 * The binding server as a separate JVM, started the way the launcher starts {@code ./vinbind server}
 * ({@code java -cp … io.vinbind.server.cli.ServerCli --data DIR …}), so that it can be killed with SIGKILL like a
 * machine losing power: no shutdown hook, no clean MQTT disconnect, no database close. Like the launcher it gives
 * the JVM the server's memory options ({@link #LAUNCHER_JVM_OPTIONS}, then the launch's own, which win as
 * {@code JAVA_OPTS} does) and glibc's malloc settings ({@link #LAUNCHER_ENVIRONMENT}), so that what a bench
 * measures of a server process is what a deployment runs.
 *
 * <p>Its output (stdout, where the CLI prints where it listens, and stderr, where tinylog writes at info without a
 * writing thread, so a line is out before the next statement runs) is read line by line as it arrives, kept with
 * the arrival time and copied to a log file. {@link #awaitReady} parses the CLI's banner
 * ({@code vinbind server ID ready}, {@code mqtt URI}, {@code http URI}).
 */
public final class ServerProcess implements AutoCloseable {

    /** The server's main class, as the launcher's table maps {@code ./vinbind server}. */
    public static final String MAIN_CLASS = "io.vinbind.server.cli.ServerCli";
    /**
     * Exit status of a JVM ended by SIGKILL (128 + 9); a SIGTERM ends the server with 143 after its shutdown hook.
     * {@link Process#destroyForcibly()} sends SIGKILL on Linux, and {@link #kill()} checks that it did.
     */
    public static final int SIGKILL_STATUS = 137;
    private static final Pattern READY = Pattern.compile("^vinbind server (\\S+) ready$");
    private static final Pattern MQTT = Pattern.compile("^\\s+mqtt\\s+((?:tcp|ssl)://\\S+)");
    private static final Pattern HTTP = Pattern.compile("^\\s+http\\s+(http://\\S+)");
    private static final Duration EXIT_BOUND = Duration.ofSeconds(15);

    /**
     * The JVM options the launcher gives {@code ./vinbind server} (its {@code jvm_defaults}), in its order: they
     * bound the resident memory (docs/server.md, "Memory"). {@code ServerMemoryOptionsTest} checks that the
     * launcher passes exactly these, so neither side can drop one silently.
     */
    public static final List<String> LAUNCHER_JVM_OPTIONS = List.of("-Xms64m", "-Xmx384m",
            "-XX:MaxMetaspaceSize=128m", "-XX:ReservedCodeCacheSize=64m", "-XX:MaxDirectMemorySize=96m",
            "-Dio.netty.maxDirectMemory=0", "-XX:+ExitOnOutOfMemoryError");
    /**
     * The environment the launcher exports unless it is set already: at most two malloc arenas, and malloc
     * requests of 128 KiB and more served by mmap, so freed large buffers go back to the system.
     */
    public static final Map<String, String> LAUNCHER_ENVIRONMENT = Map.of("MALLOC_ARENA_MAX", "2",
            "MALLOC_MMAP_THRESHOLD_", "131072");

    /** One line the server wrote, with the moment it arrived here ({@link System#nanoTime()}). */
    public record LogLine(long nanos, String text) {
        public LogLine {
            Objects.requireNonNull(text, "text");
        }
    }

    /** Where a started server listens. */
    public record Ready(String instanceId, URI mqtt, URI http, long nanos) {
        public Ready {
            Objects.requireNonNull(instanceId, "instanceId");
            Objects.requireNonNull(mqtt, "mqtt");
            Objects.requireNonNull(http, "http");
        }
    }

    /**
     * How to start the server JVM.
     *
     * @param arguments the command line after the main class ({@code --data DIR --mqtt-port P …})
     * @param logFile   receives everything the server writes (appended)
     */
    public record Launch(Path javaBinary, String classpath, List<String> jvmOptions, List<String> arguments,
            Path logFile) {
        public Launch {
            Objects.requireNonNull(javaBinary, "javaBinary");
            Objects.requireNonNull(classpath, "classpath");
            jvmOptions = List.copyOf(jvmOptions);
            arguments = List.copyOf(arguments);
            Objects.requireNonNull(logFile, "logFile");
            if (classpath.isBlank()) {
                throw new IllegalArgumentException("empty classpath for the server JVM");
            }
        }

        /** The java running this JVM and this JVM's classpath (it holds server-stub and its dependencies). */
        public static Launch likeThisJvm(List<String> jvmOptions, List<String> arguments, Path logFile) {
            Path java = Path.of(System.getProperty("java.home"), "bin", "java");
            return new Launch(java, System.getProperty("java.class.path"), jvmOptions, arguments, logFile);
        }

        /** The same JVM with other arguments (a restart on fixed ports). */
        public Launch withArguments(List<String> args) {
            return new Launch(javaBinary, classpath, jvmOptions, args, logFile);
        }
    }

    private final Process process;
    private final long startNanos;
    private final Path logFile;
    private final List<LogLine> lines = new ArrayList<>(); // guarded by this
    private final Thread reader;
    private boolean ended; // guarded by this
    private String instanceId; // guarded by this
    private URI mqtt; // guarded by this
    private URI http; // guarded by this
    private boolean ready; // guarded by this
    private long readyNanos; // guarded by this

    private ServerProcess(Process process, long startNanos, Path logFile) {
        this.process = process;
        this.startNanos = startNanos;
        this.logFile = logFile;
        this.reader = new Thread(this::readOutput, "server-log-" + process.pid());
        this.reader.setDaemon(true);
    }

    /**
     * Starts the server JVM. A tinylog configuration next to the log file sends its log, at info and without a
     * writing thread, to stderr (merged into what is read here).
     *
     * @throws BenchException when the JVM cannot be started
     */
    public static ServerProcess start(Launch launch) {
        Objects.requireNonNull(launch, "launch");
        try {
            Files.createDirectories(launch.logFile().toAbsolutePath().getParent());
            Path logConfig = writeLogConfig(launch.logFile().toAbsolutePath().resolveSibling("server-tinylog.properties"));
            List<String> cmd = command(launch, logConfig);
            long t0 = System.nanoTime();
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.PIPE);
            withLauncherEnvironment(pb.environment());
            Process p = pb.start();
            ServerProcess s = new ServerProcess(p, t0, launch.logFile());
            s.reader.start();
            Logger.debug("server process {} started: {}", p.pid(), launch.arguments());
            return s;
        } catch (IOException e) {
            throw new BenchException("cannot start the server JVM " + launch.javaBinary() + ": " + e.getMessage(), e);
        }
    }

    /**
     * The command line {@link #start} runs: java, {@link #LAUNCHER_JVM_OPTIONS}, the launch's own JVM options
     * (after them, so they win), the log configuration, the class path, the main class and the arguments.
     */
    static List<String> command(Launch launch, Path logConfig) {
        List<String> cmd = new ArrayList<>();
        cmd.add(launch.javaBinary().toString());
        cmd.addAll(LAUNCHER_JVM_OPTIONS);
        cmd.addAll(launch.jvmOptions());
        cmd.add("-Dtinylog.configuration=" + logConfig);
        cmd.add("-cp");
        cmd.add(launch.classpath());
        cmd.add(MAIN_CLASS);
        cmd.addAll(launch.arguments());
        return cmd;
    }

    /** Adds {@link #LAUNCHER_ENVIRONMENT} to a child's environment where it does not set them already. */
    static void withLauncherEnvironment(Map<String, String> environment) {
        LAUNCHER_ENVIRONMENT.forEach(environment::putIfAbsent);
    }

    private static Path writeLogConfig(Path file) throws IOException {
        if (!Files.exists(file)) {
            Files.writeString(file, String.join("\n",
                    "writer        = console",
                    "writer.stream = err",
                    "writer.level  = info",
                    "writer.format = {date: HH:mm:ss.SSS} {level|min-size=5} [{thread}] {class-name}: {message}",
                    "writingthread = false", ""));
        }
        return file;
    }

    private void readOutput() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
             BufferedWriter out = Files.newBufferedWriter(logFile, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                     StandardOpenOption.APPEND)) {
            out.write("---- server pid " + process.pid() + "\n");
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
            Logger.debug("server {} output ended: {}", process.pid(), e.getMessage());
        } finally {
            synchronized (this) {
                ended = true;
                notifyAll();
            }
        }
    }

    private synchronized void add(long nanos, String text) {
        lines.add(new LogLine(nanos, text));
        if (!ready) {
            Matcher m;
            if ((m = READY.matcher(text)).find()) {
                instanceId = m.group(1);
            } else if ((m = MQTT.matcher(text)).find()) {
                mqtt = URI.create(m.group(1));
            } else if ((m = HTTP.matcher(text)).find()) {
                http = URI.create(m.group(1));
            }
            if (instanceId != null && mqtt != null && http != null) {
                ready = true;
                readyNanos = nanos;
            }
        }
        notifyAll();
    }

    /**
     * Waits until the server printed that it is ready and where it listens.
     *
     * @throws BenchTimeoutException after {@code bound}, or at once when the process ended first (with its exit
     *                               status and last lines)
     */
    public Ready awaitReady(Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        synchronized (this) {
            while (!ready) {
                long left = deadline - System.nanoTime();
                if (ended || left <= 0) {
                    throw new BenchTimeoutException("server " + pid() + " not ready " + (ended
                            ? "before its output ended (exit " + exitText() + ")" : "within " + bound.toMillis() + " ms")
                            + "; last lines: " + tail(8));
                }
                try {
                    wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new BenchException("interrupted while waiting for the server to start", e);
                }
            }
            return new Ready(instanceId, mqtt, http, readyNanos);
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

    /** The number of lines so far: a position to search from. */
    public synchronized int mark() {
        return lines.size();
    }

    /** The lines after position {@code mark} that contain {@code text}. */
    public synchronized List<String> linesContaining(int mark, String text) {
        List<String> out = new ArrayList<>();
        for (int i = Math.max(0, mark); i < lines.size(); i++) {
            if (lines.get(i).text().contains(text)) {
                out.add(lines.get(i).text());
            }
        }
        return out;
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
     * SIGKILL ({@link Process#destroyForcibly()}), then waits until the process is gone and its output is read to
     * the end.
     *
     * @throws BenchException when it does not end, or ends with another status than {@value #SIGKILL_STATUS} (so
     *                        something other than SIGKILL ended it, or it had already exited by itself)
     */
    public void kill() {
        boolean wasAlive = process.isAlive();
        process.destroyForcibly();
        awaitEnd("SIGKILL");
        if (!wasAlive) {
            throw new BenchException("server " + pid() + " had already exited with " + process.exitValue()
                    + " before the kill; last lines: " + tail(8));
        }
        if (process.exitValue() != SIGKILL_STATUS) {
            throw new BenchException("server " + pid() + " ended with status " + process.exitValue() + ", not "
                    + SIGKILL_STATUS + " (SIGKILL); last lines: " + tail(8));
        }
    }

    /** SIGTERM (a service stop: the shutdown hook finishes requests in progress), then waits; SIGKILL if it hangs. */
    public void stop() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(EXIT_BOUND.toMillis(), TimeUnit.MILLISECONDS)) {
                Logger.warn("server {} did not stop within {} after SIGTERM; killing it", pid(), EXIT_BOUND);
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        awaitEnd("SIGTERM");
    }

    private void awaitEnd(String how) {
        try {
            if (!process.waitFor(EXIT_BOUND.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new BenchException("server " + pid() + " still alive " + EXIT_BOUND.toMillis() + " ms after " + how);
            }
            reader.join(EXIT_BOUND.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted while waiting for server " + pid() + " to end", e);
        }
    }

    /** Exit status once ended. */
    public int exitValue() {
        return process.exitValue();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                awaitEnd("SIGKILL");
            } catch (BenchException e) {
                Logger.warn("closing server process: {}", e.getMessage());
            }
        }
    }
}
