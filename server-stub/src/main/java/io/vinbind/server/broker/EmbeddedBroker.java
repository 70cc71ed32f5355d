package io.vinbind.server.broker;

import com.hivemq.configuration.service.InternalConfigurations;
import com.hivemq.embedded.EmbeddedExtension;
import com.hivemq.embedded.EmbeddedHiveMQ;
import io.vinbind.server.pki.PkiException;
import io.vinbind.server.pki.TlsMaterial;
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
 * embedded, listening on the address it is given (TLS with client certificates; plaintext only on loopback),
 * with in-memory persistence and usage statistics off.
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
    private final String bindAddress;
    private final boolean tls;

    private EmbeddedBroker(EmbeddedHiveMQ hivemq, int port, String bindAddress, boolean tls) {
        this.hivemq = hivemq;
        this.port = port;
        this.bindAddress = bindAddress;
        this.tls = tls;
    }

    /**
     * Starts a broker that lets in only the clients {@code security} identifies, confined to their topics
     * ({@link BrokerIdentity}).
     *
     * @param port the TCP port, or 0 to pick a free one
     * @param bindAddress the address to listen on; anything but loopback needs TLS
     * @param workDir a directory for the broker's configuration and data (created if absent)
     * @throws BrokerStartException when the broker does not come up (port taken, timeout)
     * @throws IllegalArgumentException for a plaintext listener off loopback
     */
    public static EmbeddedBroker start(int port, String bindAddress, Path workDir, BrokerSecurity security)
        throws BrokerStartException {
        java.util.Objects.requireNonNull(security, "security");
        if (security.plaintext() && !isLoopback(bindAddress)) {
            throw new IllegalArgumentException("the embedded broker listens without TLS only on loopback, not on "
                + bindAddress);
        }
        return start(port, bindAddress, workDir, java.util.Optional.of(security));
    }

    /**
     * A broker that lets anybody in and allows everything: only for tests of the broker's own behaviour
     * (shared-subscription delivery, packet limits). Loopback only.
     */
    static EmbeddedBroker startWithoutAuthentication(int port, Path workDir) throws BrokerStartException {
        return start(port, "127.0.0.1", workDir, java.util.Optional.empty());
    }

    private static EmbeddedBroker start(int port, String bindAddress, Path workDir,
                                        java.util.Optional<BrokerSecurity> security) throws BrokerStartException {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("MQTT port " + port + " is not 0-65535");
        }
        int attempts = port == 0 ? FREE_PORT_ATTEMPTS : 1;
        BrokerStartException last = null;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            int chosen = port == 0 ? freePort() : port;
            try {
                return startOn(chosen, bindAddress, workDir, security);
            } catch (BrokerStartException e) {
                last = e;
                Logger.warn("embedded broker did not start on port {} (attempt {}/{}): {}", chosen, attempt,
                    attempts, e.getMessage());
            }
        }
        throw last;
    }

    private static EmbeddedBroker startOn(int port, String bindAddress, Path workDir,
                                          java.util.Optional<BrokerSecurity> security) throws BrokerStartException {
        if (!portFree(port)) {
            throw new BrokerStartException("127.0.0.1:" + port + " is already in use");
        }
        Path conf = workDir.resolve("conf");
        Path data = workDir.resolve("data");
        Path extensions = workDir.resolve("extensions");
        java.util.Optional<BrokerSecurity.Tls> tls = security.flatMap(BrokerSecurity::tls);
        try {
            Files.createDirectories(conf);
            Files.createDirectories(data);
            Files.createDirectories(extensions);
            String listener;
            if (tls.isPresent()) {
                // HiveMQ reads key and trust stores from files: PKCS12 (its "JKS" reader takes them) with a fresh
                // random password each start, in files and a config.xml only the owner can read
                char[] password = TlsMaterial.randomPassword();
                Path keystore = TlsMaterial.writePkcs12(conf.resolve("broker-key.p12"), tls.get().certificateChain(),
                    tls.get().key(), password);
                Path truststore = TlsMaterial.writeTrustStore(conf.resolve("client-cas.p12"), tls.get().clientCas(),
                    password);
                listener = tlsListener(port, bindAddress, keystore, truststore, new String(password));
            } else {
                listener = tcpListener(port, bindAddress);
            }
            writeOwnerOnly(conf.resolve("config.xml"), config(listener));
        } catch (IOException | PkiException e) {
            throw new BrokerStartException("cannot prepare broker directory " + workDir + ": " + e.getMessage(), e);
        }
        long t0 = System.nanoTime();
        // in-memory persistence has nothing to flush on stop; HiveMQ's default 2 s grace period only delays a
        // restart (which the bench does between upload and ack). Process-wide, and only HiveMQ reads it.
        InternalConfigurations.PERSISTENCE_SHUTDOWN_GRACE_PERIOD_MSEC.set(SHUTDOWN_GRACE_MS);
        var builder = EmbeddedHiveMQ.builder()
            .withConfigurationFolder(conf)
            .withDataFolder(data)
            .withExtensionsFolder(extensions)
            .withoutLoggingBootstrap();
        security.ifPresent(sec -> builder.withEmbeddedExtension(EmbeddedExtension.builder()
            .withId("vinbind-identity").withName("vinbind identity and topic confinement").withVersion("2")
            .withAuthor("vinbind").withPriority(1000).withStartPriority(1000)
            .withExtensionMain(new BrokerIdentity(sec)).build()));
        EmbeddedHiveMQ hivemq = builder.build();
        try {
            hivemq.start().get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeQuietly(hivemq);
            throw new BrokerStartException("interrupted while starting the embedded broker", e);
        } catch (ExecutionException | TimeoutException e) {
            closeQuietly(hivemq);
            throw new BrokerStartException("embedded broker did not start on " + bindAddress + ":" + port + " within "
                + START_TIMEOUT.toSeconds() + " s: " + e, e);
        }
        if (portFree(port)) {
            closeQuietly(hivemq);
            throw new BrokerStartException("embedded broker reported started but nothing listens on " + bindAddress
                + ":" + port + " (checked on 127.0.0.1)");
        }
        Logger.info("embedded MQTT 5 broker (HiveMQ CE) listening on {}:{} ({}) after {} ms", bindAddress, port,
            tls.isPresent() ? "TLS, client certificates required" : security.isPresent()
                ? "INSECURE plaintext, identity by user name" : "no authentication (broker tests)",
            (System.nanoTime() - t0) / 1_000_000);
        return new EmbeddedBroker(hivemq, port, bindAddress, tls.isPresent());
    }

    /**
     * The address clients on this machine use, e.g. {@code ssl://127.0.0.1:18830} (loopback is on the server
     * certificate, and a broker bound to all addresses listens on loopback too).
     */
    public URI uri() {
        String host = "0.0.0.0".equals(bindAddress) || "::".equals(bindAddress) ? "127.0.0.1" : bindAddress;
        return URI.create((tls ? "ssl://" : "tcp://") + host + ":" + port);
    }

    /** Drops the connected client of a terminal that was revoked (the broker refuses it from then on). */
    public void disconnect(String terminalId) {
        BrokerIdentity.disconnect(terminalId);
    }

    public int port() {
        return port;
    }

    @Override
    public void close() {
        try {
            hivemq.stop().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            hivemq.close();
            Logger.info("embedded broker on {}:{} stopped", bindAddress, port);
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
     * No usage statistics (no traffic leaves the machine); nothing persisted to disk.
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
     * large, or the connection closed) from its fixed header's length, before its payload is buffered (HiveMQ
     * CE 2025.5; 2025.1 still read a whole oversized packet into direct memory first).
     */
    static final int MAX_PACKET_BYTES = 256 * 1024;

    static String tcpListener(int port, String bindAddress) {
        return """
                <tcp-listener>
                  <port>%d</port>
                  <bind-address>%s</bind-address>
                </tcp-listener>
            """.formatted(port, xml(bindAddress));
    }

    /** TLS 1.2/1.3 with client certificates REQUIRED: no certificate, no connection. */
    static String tlsListener(int port, String bindAddress, Path keystore, Path truststore, String password) {
        return """
                <tls-tcp-listener>
                  <port>%d</port>
                  <bind-address>%s</bind-address>
                  <tls>
                    <keystore>
                      <path>%s</path>
                      <password>%s</password>
                      <private-key-password>%s</private-key-password>
                    </keystore>
                    <truststore>
                      <path>%s</path>
                      <password>%s</password>
                    </truststore>
                    <client-authentication-mode>REQUIRED</client-authentication-mode>
                    <protocols>
                      <protocol>TLSv1.3</protocol>
                      <protocol>TLSv1.2</protocol>
                    </protocols>
                  </tls>
                </tls-tcp-listener>
            """.formatted(port, xml(bindAddress), xml(keystore.toString()), xml(password), xml(password),
            xml(truststore.toString()), xml(password));
    }

    static String config(int port) {
        return config(tcpListener(port, "127.0.0.1"));
    }

    static String config(String listener) {
        return """
            <?xml version="1.0"?>
            <hivemq>
              <listeners>
            %s  </listeners>
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
            """.formatted(listener, MAX_PACKET_BYTES, MAX_QUEUED_PER_CLIENT, SERVER_RECEIVE_MAXIMUM);
    }

    private static String xml(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static void writeOwnerOnly(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
            java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
            java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    static boolean isLoopback(String address) {
        try {
            return InetAddress.getByName(address).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
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
