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
 * A Mosquitto process of the benchmark's own on a free 127.0.0.1 port, so that no other binding server on the
 * machine's shared broker (same shared-subscription group {@code vinbind}) takes a share of the run's requests,
 * and with the per-client limits a single server instance facing a fleet needs:
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

    private final Process process;
    private final int port;

    private PrivateMosquitto(Process process, int port) {
        this.process = process;
        this.port = port;
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
            int port;
            try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            }
            Path conf = dir.resolve("mosquitto.conf");
            Files.writeString(conf, String.join("\n",
                    "listener " + port + " 127.0.0.1",
                    "allow_anonymous true",
                    "persistence false",
                    "set_tcp_nodelay true",
                    "max_inflight_messages 0",
                    "max_queued_messages 0",
                    "log_dest file " + dir.resolve("mosquitto.log"), ""));
            Process p = new ProcessBuilder(bin.toString(), "-c", conf.toString()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("mosquitto.out").toFile()).start();
            long deadline = System.nanoTime() + START_BOUND.toNanos();
            while (!listening(port)) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    p.destroyForcibly();
                    throw new BenchException("private mosquitto on port " + port + " did not start within " + START_BOUND
                            + "; see " + dir.resolve("mosquitto.out"));
                }
                Thread.sleep(20);
            }
            Logger.info("private mosquitto {} on 127.0.0.1:{} ({})", p.pid(), port, SETTINGS);
            return new PrivateMosquitto(p, port);
        } catch (IOException e) {
            throw new BenchException("cannot start a private mosquitto: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted while starting mosquitto", e);
        }
    }

    public URI uri() {
        return URI.create("tcp://127.0.0.1:" + port);
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
    public void close() {
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
