package io.vinbind.server.broker;

import com.hivemq.configuration.service.InternalConfigurations;
import com.hivemq.embedded.EmbeddedHiveMQ;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.tinylog.Logger;

/**
 * The MQTT 5 broker the server starts when no external broker is given: HiveMQ Community Edition,
 * embedded, listening on 127.0.0.1 only, with in-memory persistence and usage statistics off.
 *
 * <p>HiveMQ CE is started with {@code withoutLoggingBootstrap()}: its logging bootstrap assumes logback is the
 * SLF4J backend, but vinbind routes SLF4J to tinylog (slf4j-tinylog) so that every module logs the same way.
 * Without the bootstrap HiveMQ logs through plain SLF4J like any other library. See docs/server.md for why
 * HiveMQ CE was chosen.
 */
public final class EmbeddedBroker implements AutoCloseable {

    /** Bounded wait for the broker to start or stop; it normally takes 1–3 s. */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);
    /** Attempts when a port picked with port 0 is taken by someone else before the broker binds it. */
    private static final int FREE_PORT_ATTEMPTS = 3;
    /** Persistence shutdown grace period, down from HiveMQ's 2000 ms (see {@link #start}). */
    private static final int SHUTDOWN_GRACE_MS = 100;

    private final EmbeddedHiveMQ hivemq;
    private final int port;

    private EmbeddedBroker(EmbeddedHiveMQ hivemq, int port) {
        this.hivemq = hivemq;
        this.port = port;
    }

    /**
     * Starts a broker on 127.0.0.1.
     *
     * @param port the TCP port, or 0 to pick a free one
     * @param workDir a directory for the broker's configuration and data (created if absent)
     * @throws BrokerStartException when the broker does not come up (port taken, timeout)
     */
    public static EmbeddedBroker start(int port, Path workDir) throws BrokerStartException {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("MQTT port " + port + " is not 0-65535");
        }
        int attempts = port == 0 ? FREE_PORT_ATTEMPTS : 1;
        BrokerStartException last = null;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            int chosen = port == 0 ? freePort() : port;
            try {
                return startOn(chosen, workDir);
            } catch (BrokerStartException e) {
                last = e;
                Logger.warn("embedded broker did not start on port {} (attempt {}/{}): {}", chosen, attempt,
                    attempts, e.getMessage());
            }
        }
        throw last;
    }

    private static EmbeddedBroker startOn(int port, Path workDir) throws BrokerStartException {
        if (!portFree(port)) {
            throw new BrokerStartException("127.0.0.1:" + port + " is already in use");
        }
        Path conf = workDir.resolve("conf");
        Path data = workDir.resolve("data");
        Path extensions = workDir.resolve("extensions");
        try {
            Files.createDirectories(conf);
            Files.createDirectories(data);
            Files.createDirectories(extensions);
            Files.writeString(conf.resolve("config.xml"), config(port), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new BrokerStartException("cannot prepare broker directory " + workDir + ": " + e.getMessage(), e);
        }
        long t0 = System.nanoTime();
        // in-memory persistence has nothing to flush on stop; HiveMQ's default 2 s grace period only delays a
        // restart (which the bench does between upload and ack). Process-wide, and only HiveMQ reads it.
        InternalConfigurations.PERSISTENCE_SHUTDOWN_GRACE_PERIOD_MSEC.set(SHUTDOWN_GRACE_MS);
        EmbeddedHiveMQ hivemq = EmbeddedHiveMQ.builder()
            .withConfigurationFolder(conf)
            .withDataFolder(data)
            .withExtensionsFolder(extensions)
            .withoutLoggingBootstrap()
            .build();
        try {
            hivemq.start().get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeQuietly(hivemq);
            throw new BrokerStartException("interrupted while starting the embedded broker", e);
        } catch (ExecutionException | TimeoutException e) {
            closeQuietly(hivemq);
            throw new BrokerStartException("embedded broker did not start on 127.0.0.1:" + port + " within "
                + START_TIMEOUT.toSeconds() + " s: " + e, e);
        }
        if (portFree(port)) {
            closeQuietly(hivemq);
            throw new BrokerStartException("embedded broker reported started but nothing listens on 127.0.0.1:" + port);
        }
        Logger.info("embedded MQTT 5 broker (HiveMQ CE) listening on 127.0.0.1:{} after {} ms", port,
            (System.nanoTime() - t0) / 1_000_000);
        return new EmbeddedBroker(hivemq, port);
    }

    /** The broker's address, e.g. {@code tcp://127.0.0.1:18830}. */
    public URI uri() {
        return URI.create("tcp://127.0.0.1:" + port);
    }

    public int port() {
        return port;
    }

    @Override
    public void close() {
        try {
            hivemq.stop().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            hivemq.close();
            Logger.info("embedded broker on 127.0.0.1:{} stopped", port);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            Logger.warn("interrupted while stopping the embedded broker on port {}", port);
        } catch (ExecutionException | TimeoutException e) {
            Logger.error(e, "embedded broker on port {} did not stop cleanly", port);
        }
    }

    private static void closeQuietly(EmbeddedHiveMQ hivemq) {
        try {
            hivemq.close();
        } catch (Exception e) {
            Logger.warn(e, "closing a broker that failed to start also failed");
        }
    }

    /**
     * Loopback listener only; no usage statistics (no traffic leaves the machine); nothing persisted to disk.
     * The per-client limits are raised from HiveMQ's defaults because one server instance is ONE subscriber for
     * the whole fleet: a default queue of 1,000 messages discards the rest of a power-up burst (a fleet coming
     * back after a network outage), and a Receive Maximum of 10 throttles the server's acks (MQTT 5 §4.9).
     */
    static final long MAX_QUEUED_PER_CLIENT = 200_000;
    static final int SERVER_RECEIVE_MAXIMUM = 1_000;
    /**
     * Largest MQTT packet the broker accepts (MQTT 5 §3.1.2.11, Maximum Packet Size); HiveMQ's default is
     * 256 MiB, so every client could make the broker buffer that much. The largest vinbind payload is far
     * below this (docs/protocol.md); a bigger packet gets the client disconnected (reason 0x95, Packet too
     * large) before its payload is buffered.
     */
    static final int MAX_PACKET_BYTES = 256 * 1024;

    static String config(int port) {
        return """
            <?xml version="1.0"?>
            <hivemq>
              <listeners>
                <tcp-listener>
                  <port>%d</port>
                  <bind-address>127.0.0.1</bind-address>
                </tcp-listener>
              </listeners>
              <mqtt>
                <packets>
                  <max-packet-size>%d</max-packet-size>
                </packets>
                <queued-messages>
                  <max-queue-size>%d</max-queue-size>
                  <strategy>discard</strategy>
                </queued-messages>
                <receive-maximum>
                  <server-receive-maximum>%d</server-receive-maximum>
                </receive-maximum>
              </mqtt>
              <persistence>
                <mode>in-memory</mode>
              </persistence>
              <anonymous-usage-statistics>
                <enabled>false</enabled>
              </anonymous-usage-statistics>
            </hivemq>
            """.formatted(port, MAX_PACKET_BYTES, MAX_QUEUED_PER_CLIENT, SERVER_RECEIVE_MAXIMUM);
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port on 127.0.0.1", e);
        }
    }

    private static boolean portFree(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            return false;
        } catch (IOException e) {
            return true;
        }
    }
}
