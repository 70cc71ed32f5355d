package io.vinbind.hil.perf;

import io.vinbind.hil.bench.BenchException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.tinylog.Logger;

/**
 * A Mosquitto process of the bench's own on a free 127.0.0.1 port, so that no other binding server on the
 * machine's shared broker (same shared-subscription group {@code vinbind}) takes a share of the run's requests.
 *
 * <p>{@link #startSecured} runs it as a deployment would: the configuration {@code ./vinbind server
 * mosquitto-config} writes (TLS listener with {@code require_certificate}, identity from the certificate's CN,
 * vinbind's ACL plugin built by {@code ./vinbind server mosquitto-plugin}, the fleet limits), on the server's PKI.
 * {@link #start} is the old plaintext broker without any ACL, for measuring what the broker alone does; it
 * sets the per-client limits a single server instance facing a fleet needs:
 * <ul>
 *   <li>{@code max_inflight_messages 0}: no cap on QoS 1 messages in flight per client (default 20, which
 *       Mosquitto also announces as Receive Maximum, so a Paho publisher beyond 20 unacknowledged acks fails with
 *       "too many publishes in progress");</li>
 *   <li>{@code max_queued_messages 0}: no cap on the queue behind them (default 1000: a burst of more than
 *       1000 requests to one subscriber is dropped by the broker);</li>
 *   <li>{@code set_tcp_nodelay true}: no delayed-ACK wait on small packets.</li>
 * </ul>
 */
public final class PrivateMosquitto implements AutoCloseable {

    public static final String SETTINGS = "max_inflight_messages 0, max_queued_messages 0, set_tcp_nodelay true";
    private static final Duration START_BOUND = Duration.ofSeconds(5);

    private Process process;
    private final int port;
    private final boolean tls;
    /** Its configuration file and directory, for {@link #restart()}. */
    private final Path conf;
    private final Path dir;
    /** The plugin, built once per JVM (gcc takes a second or two). */
    private static Path plugin;

    private PrivateMosquitto(Process process, int port, boolean tls, Path conf, Path dir) {
        this.process = process;
        this.port = port;
        this.tls = tls;
        this.conf = conf;
        this.dir = dir;
    }

    /**
     * Why {@link #startSecured} cannot run here (no mosquitto, or the plugin does not build: gcc, mosquitto-dev,
     * libmosquitto-dev), or null when it can. Builds the plugin on the first call.
     */
    public static synchronized String securedUnavailableReason() {
        if (binary().isEmpty()) {
            return "no mosquitto binary on the PATH or in /usr/sbin";
        }
        try {
            builtPlugin();
            return null;
        } catch (BenchException e) {
            return e.getMessage();
        }
    }

    private static synchronized Path builtPlugin() {
        if (plugin != null && Files.isRegularFile(plugin)) {
            return plugin;
        }
        try {
            Path dir = Files.createTempDirectory("vinbind-mosquitto-plugin-");
            Path so = dir.resolve("vinbind_acl.so");
            java.io.StringWriter err = new java.io.StringWriter();
            picocli.CommandLine cl = io.vinbind.server.cli.ServerCli.commandLine();
            cl.setErr(new java.io.PrintWriter(err, true));
            cl.setOut(new java.io.PrintWriter(new java.io.StringWriter(), true));
            if (cl.execute("mosquitto-plugin", "--out", so.toString()) != 0) {
                throw new BenchException("cannot build vinbind's Mosquitto ACL plugin (gcc, mosquitto-dev, "
                        + "libmosquitto-dev): " + err.toString().strip());
            }
            dir.toFile().deleteOnExit();
            so.toFile().deleteOnExit();
            plugin = so;
            return so;
        } catch (IOException e) {
            throw new BenchException("cannot build vinbind's Mosquitto ACL plugin: " + e.getMessage(), e);
        }
    }

    /**
     * Starts mosquitto as {@code ./vinbind server mosquitto-config --pki pkiDir --plugin …} configures it, in
     * {@code dir}, on a free 127.0.0.1 port: TLS with client certificates from {@code pkiDir}'s CAs, vinbind's ACL
     * (terminals confined to their own topics, only the server's service identity in the share group).
     *
     * @throws BenchException when mosquitto or the plugin is missing, or the broker does not come up
     */
    public static PrivateMosquitto startSecured(Path dir, Path pkiDir) {
        Path bin = binary().orElseThrow(() -> new BenchException("no mosquitto binary on the PATH or in /usr/sbin"));
        Path so = builtPlugin();
        try {
            int port = freePort();
            Path conf = dir.resolve("mosquitto");
            java.io.StringWriter err = new java.io.StringWriter();
            picocli.CommandLine cl = io.vinbind.server.cli.ServerCli.commandLine();
            cl.setErr(new java.io.PrintWriter(err, true));
            cl.setOut(new java.io.PrintWriter(new java.io.StringWriter(), true));
            int rc = cl.execute("mosquitto-config", "--pki", pkiDir.toString(), "--out", conf.toString(), "--port",
                    Integer.toString(port), "--listen", "127.0.0.1", "--plugin", so.toString(),
                    "--extra", "log_dest file " + dir.resolve("mosquitto.log"), "--extra", "persistence false",
                    // run as root, Mosquitto would drop to its own user, which cannot read the bench's files
                    "--extra", "user " + System.getProperty("user.name"));
            if (rc != 0) {
                throw new BenchException("server mosquitto-config failed (" + rc + "): " + err.toString().strip());
            }
            Process p = launch(bin, conf.resolve("mosquitto.conf"), dir, port);
            Logger.info("private mosquitto {} on ssl://127.0.0.1:{} (TLS, client certificates, vinbind ACL plugin)",
                    p.pid(), port);
            return new PrivateMosquitto(p, port, true, conf.resolve("mosquitto.conf"), dir);
        } catch (IOException e) {
            throw new BenchException("cannot start a private mosquitto: " + e.getMessage(), e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static Process launch(Path bin, Path conf, Path dir, int port) throws IOException {
        Process p = new ProcessBuilder(bin.toString(), "-c", conf.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("mosquitto.out").toFile()).start();
        long deadline = System.nanoTime() + START_BOUND.toNanos();
        try {
            while (!listening(port)) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    p.destroyForcibly();
                    String out = Files.exists(dir.resolve("mosquitto.out")) ? Files.readString(dir.resolve("mosquitto.out"))
                            .strip() : "";
                    throw new BenchException("private mosquitto on port " + port + " did not start within " + START_BOUND
                            + (out.isEmpty() ? "" : ": " + io.vinbind.log.Untrusted.escape(out, 400)) + "; see "
                            + dir.resolve("mosquitto.log"));
                }
                Thread.sleep(20);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new BenchException("interrupted while starting mosquitto", e);
        }
        return p;
    }

    /** The mosquitto binary on the PATH, if any. */
    public static Optional<Path> binary() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            for (String name : List.of("mosquitto")) {
                Path p = Path.of(dir.isEmpty() ? "." : dir, name);
                if (Files.isExecutable(p)) {
                    return Optional.of(p);
                }
            }
        }
        Path sbin = Path.of("/usr/sbin/mosquitto");
        return Files.isExecutable(sbin) ? Optional.of(sbin) : Optional.empty();
    }

    /**
     * Starts mosquitto with its configuration and log in {@code dir}; waits (bounded) until it listens.
     *
     * @throws BenchException when mosquitto is missing or does not come up
     */
    public static PrivateMosquitto start(Path dir) {
        Path bin = binary().orElseThrow(() -> new BenchException("no mosquitto binary on the PATH or in /usr/sbin"));
        try {
            int port = freePort();
            Path conf = dir.resolve("mosquitto.conf");
            Files.writeString(conf, String.join("\n",
                    "listener " + port + " 127.0.0.1",
                    "allow_anonymous true",
                    "persistence false",
                    "set_tcp_nodelay true",
                    "max_inflight_messages 0",
                    "max_queued_messages 0",
                    "log_dest file " + dir.resolve("mosquitto.log"), ""));
            Process p = launch(bin, conf, dir, port);
            Logger.info("private mosquitto {} on 127.0.0.1:{} ({})", p.pid(), port, SETTINGS);
            return new PrivateMosquitto(p, port, false, conf, dir);
        } catch (IOException e) {
            throw new BenchException("cannot start a private mosquitto: " + e.getMessage(), e);
        }
    }

    /** {@code ssl://127.0.0.1:<port>} when secured, else {@code tcp://…}. */
    public URI uri() {
        return URI.create((tls ? "ssl" : "tcp") + "://127.0.0.1:" + port);
    }

    public boolean tls() {
        return tls;
    }

    /** The broker process's id (for its {@code /proc/PID/status}). */
    public synchronized long pid() {
        return process.pid();
    }

    /**
     * SIGKILL, as a broker host losing power: every client's connection drops without a DISCONNECT, and (with
     * {@code persistence false}) every session and queued message is gone. Waits (bounded) until it has ended.
     */
    public synchronized void kill() {
        process.destroyForcibly();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                throw new BenchException("private mosquitto " + process.pid() + " still alive 5 s after SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted while killing mosquitto", e);
        }
    }

    /**
     * Starts the broker again with the same configuration on the same port (after {@link #kill()}), waiting
     * (bounded) until it listens.
     *
     * @throws BenchException when it is still running, or does not come up
     */
    public synchronized void restart() {
        if (process.isAlive()) {
            throw new BenchException("private mosquitto " + process.pid() + " is still running; kill it first");
        }
        try {
            process = launch(binary().orElseThrow(() -> new BenchException("no mosquitto binary")), conf, dir, port);
        } catch (IOException e) {
            throw new BenchException("cannot restart the private mosquitto on port " + port + ": " + e.getMessage(), e);
        }
        Logger.info("private mosquitto restarted as {} on port {}", process.pid(), port);
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public synchronized void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
