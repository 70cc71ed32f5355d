package io.vinbind.terminal.testsupport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** A private Mosquitto on 127.0.0.1 and a free port, for integration tests; stops on close. */
public final class MosquittoBroker implements AutoCloseable {

    private static final List<String> CANDIDATES = List.of("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto",
            "/usr/bin/mosquitto", "/opt/homebrew/sbin/mosquitto");

    private final Process process;
    private final int port;
    private final String scheme;
    private final Path log;

    private MosquittoBroker(Process process, int port, String scheme, Path log) {
        this.process = process;
        this.port = port;
        this.scheme = scheme;
        this.log = log;
    }

    /** The mosquitto binary, if this machine has one. */
    public static Optional<Path> binary() {
        return CANDIDATES.stream().map(Path::of).filter(Files::isExecutable).findFirst();
    }

    /** A plain broker that lets anyone in. */
    public static MosquittoBroker start(Path workDir) throws IOException, InterruptedException {
        return start(workDir, "allow_anonymous true\n", "tcp");
    }

    /**
     * A broker with {@code listenerOptions} after its {@code listener PORT 127.0.0.1} line (TLS files, ACL,
     * authentication), reached with {@code scheme}.
     */
    public static MosquittoBroker start(Path workDir, String listenerOptions, String scheme)
            throws IOException, InterruptedException {
        int port = freePort();
        Path conf = workDir.resolve("mosquitto.conf");
        Files.writeString(conf, "per_listener_settings false\npersistence false\nlog_type all\n"
                + "listener " + port + " 127.0.0.1\n" + listenerOptions);
        Process p = new ProcessBuilder(binary().orElseThrow().toString(), "-c", conf.toString())
                .redirectErrorStream(true).redirectOutput(workDir.resolve("mosquitto.log").toFile()).start();
        MosquittoBroker broker = new MosquittoBroker(p, port, scheme, workDir.resolve("mosquitto.log"));
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return broker;
            } catch (IOException notYet) {
                if (!p.isAlive()) {
                    throw new IOException("mosquitto exited with " + p.exitValue() + "; see " + workDir.resolve("mosquitto.log"));
                }
                Thread.sleep(50);
            }
        }
        broker.close();
        throw new IOException("mosquitto did not listen on 127.0.0.1:" + port + " within 5 s");
    }

    /**
     * The ACL docs/terminal.md gives a deployment: each terminal its own requests out and its own answers in
     * ({@code %u} is the user name, which {@code use_identity_as_username} makes the certificate's CN), the
     * server ({@code svc:test-server}) everything under {@code vinbind/v2/}.
     */
    public static final String TERMINAL_ACL = String.join("\n",
            "# every terminal: its own requests out, its own answers in (%u = the certificate's CN)",
            "pattern write vinbind/v2/%u/login",
            "pattern write vinbind/v2/%u/bind",
            "pattern read vinbind/v2/%u/login/ack",
            "pattern read vinbind/v2/%u/bind/ack",
            "",
            "user svc:test-server",
            "topic readwrite vinbind/v2/#",
            "");

    /**
     * A mutual-TLS broker as docs/terminal.md sets one up: {@code brokerCert} as its identity, client
     * certificates required and checked against {@code clientCas}, the CN as user name, no anonymous clients,
     * {@code acl}. Reached as {@code ssl://127.0.0.1:PORT}.
     */
    public static MosquittoBroker startTls(Path workDir, List<X509Certificate> clientCas, TestCerts.Issued brokerCert,
            String acl) throws IOException, InterruptedException {
        Path b = Files.createDirectories(workDir.resolve("broker"));
        TestCerts.writeCerts(b.resolve("clients-ca.pem"), clientCas);
        TestCerts.writeCerts(b.resolve("broker.pem"), brokerCert.chain());
        TestCerts.writePkcs8(b.resolve("broker.key"), brokerCert.keys().getPrivate(), "rw-------");
        Files.writeString(b.resolve("acl"), acl);
        return start(workDir, String.join("\n",
                "cafile " + b.resolve("clients-ca.pem"),
                "certfile " + b.resolve("broker.pem"),
                "keyfile " + b.resolve("broker.key"),
                "require_certificate true",
                "use_identity_as_username true",
                "allow_anonymous false",
                "acl_file " + b.resolve("acl"),
                // mosquitto started as root would switch to user mosquitto, who cannot read a test's files
                "user " + System.getProperty("user.name"),
                ""), "ssl");
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    public String uri() {
        return scheme + "://127.0.0.1:" + port;
    }

    /** What the broker logged so far (for assertions on why it refused a client). */
    public String log() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    public int port() {
        return port;
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
