package io.vinbind.server;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A Mosquitto for one test: a private {@code mosquitto} process on a free 127.0.0.1 port when the binary is
 * installed (so other servers using the shared broker on this machine cannot take a share of the test's
 * requests), otherwise the shared broker at {@link ExternalServices#MQTT}; skips the test with the reason
 * when neither is there. Closing stops the private process.
 */
public final class MosquittoBroker implements AutoCloseable {

    private final URI uri;
    private Optional<Process> process;
    private final Optional<Path> binary;
    private final Optional<Path> conf;

    private MosquittoBroker(URI uri, Optional<Process> process, Optional<Path> binary, Optional<Path> conf) {
        this.uri = uri;
        this.process = process;
        this.binary = binary;
        this.conf = conf;
    }

    /** True for a private process (which {@link #stop} and {@link #startAgain} can control). */
    public boolean isPrivate() {
        return process.isPresent();
    }

    /** Stops the private broker (simulating a broker outage). */
    public void stop() throws InterruptedException {
        Process p = process.orElseThrow(() -> new IllegalStateException("not a private broker"));
        p.destroy();
        if (!p.waitFor(5, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** Starts the private broker again on the same port, with no sessions (persistence is off). */
    public void startAgain() throws IOException, InterruptedException {
        Path c = conf.orElseThrow(() -> new IllegalStateException("not a private broker"));
        Process p = new ProcessBuilder(binary.orElseThrow().toString(), "-c", c.toString())
            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(
                c.resolveSibling("mosquitto.out").toFile())).start();
        process = Optional.of(p);
        if (!waitForPort(p, uri.getPort())) {
            Path out = c.resolveSibling("mosquitto.out");
            throw new IOException("mosquitto did not come back on " + uri + ": "
                + (Files.exists(out) ? Files.readString(out).strip() : "no output"));
        }
    }

    public URI uri() {
        return uri;
    }

    /** Starts a private Mosquitto, or falls back to the shared one, or skips the calling test. */
    public static MosquittoBroker startOrSkip(Path workDir) throws IOException, InterruptedException {
        if (findBinary().isEmpty()) {
            ExternalServices.assumeMosquitto();
            return new MosquittoBroker(ExternalServices.MQTT, Optional.empty(), Optional.empty(), Optional.empty());
        }
        StringBuilder why = new StringBuilder();
        Optional<MosquittoBroker> started = startPrivate(workDir, why);
        assumeTrue(started.isPresent(), () -> "skipped: " + why);
        return started.orElseThrow();
    }

    /**
     * Starts a private {@code mosquitto} on a free 127.0.0.1 port (no JUnit needed, for the bench).
     *
     * @param why receives the reason when it returns empty
     */
    public static Optional<MosquittoBroker> startPrivate(Path workDir, StringBuilder why)
        throws IOException, InterruptedException {
        Optional<Path> binary = findBinary();
        if (binary.isEmpty()) {
            why.append("no mosquitto binary on PATH");
            return Optional.empty();
        }
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path conf = workDir.resolve("mosquitto.conf");
        // set_tcp_nodelay: without it Mosquitto's back-to-back small writes wait for delayed ACKs (~40 ms per ack)
        Files.writeString(conf, "listener " + port + " 127.0.0.1\nallow_anonymous true\npersistence false\n"
            + "set_tcp_nodelay true\nlog_dest file " + workDir.resolve("mosquitto.log") + "\n");
        Path out = workDir.resolve("mosquitto.out");
        Process p = new ProcessBuilder(binary.get().toString(), "-c", conf.toString())
            .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (waitForPort(p, port)) {
            return Optional.of(new MosquittoBroker(URI.create("tcp://127.0.0.1:" + port), Optional.of(p), binary,
                Optional.of(conf)));
        }
        p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        why.append("a private mosquitto did not come up on 127.0.0.1:").append(port).append(": ")
            .append(Files.exists(out) ? Files.readString(out) : "");
        return Optional.empty();
    }

    /** Bounded wait (10 s) until the process listens on the port; false if it exits or never listens. */
    private static boolean waitForPort(Process p, int port) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline && p.isAlive()) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                return true;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        return false;
    }

    private static Optional<Path> findBinary() {
        String path = System.getenv("PATH");
        for (String dir : (path == null ? "" : path + File.pathSeparator + "/usr/sbin:/sbin").split(File.pathSeparator)) {
            Path candidate = Path.of(dir, "mosquitto");
            if (!dir.isEmpty() && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isPresent()) {
            Process p = process.get();
            p.destroy();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }
}
