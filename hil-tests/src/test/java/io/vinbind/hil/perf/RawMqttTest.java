package io.vinbind.hil.perf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.server.pki.TestPki;
import io.vinbind.server.pki.TlsMaterial;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bench's MQTT 5 load client against a scripted broker on a local socket: the bytes it writes, and that
 * it keeps to the Receive Maximum the broker announces; the same over mutual TLS with certificates of a test
 * PKI (a JDK {@link SSLServerSocket} that needs a client certificate), the typed errors of a failed connect,
 * and a crowd of TLS connections on the one selector thread.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RawMqttTest {

    private static final byte[] CONNACK_OK = {0x20, 0x03, 0x00, 0x00, 0x00};

    @TempDir
    static Path dir;

    static TestPki pki;
    static TestPki foreign;
    static TestPki.Issued brokerCert;
    static TestPki.Issued t1;
    static SSLContext brokerTls;

    private final ExecutorService brokerThread = Executors.newSingleThreadExecutor(r -> new Thread(r, "raw-mqtt-test-broker"));

    @BeforeAll
    static void createPkis() throws Exception {
        pki = TestPki.create(dir.resolve("pki"));
        foreign = TestPki.create(dir.resolve("foreign"));
        brokerCert = pki.issueServer("broker", List.of(), List.of()); // subjectAltNames localhost, 127.0.0.1
        t1 = pki.issueTerminal("t1");
        brokerTls = TlsMaterial.serverContext(pki.terminalCaFile(), brokerCert.certificateFile(), brokerCert.keyFile());
    }

    @AfterEach
    void stopBroker() {
        brokerThread.shutdownNow();
    }

    @Test
    void remaining_length_is_a_variable_byte_integer() {
        // MQTT 5 §1.5.5: 7 bits per byte, high bit = more bytes follow
        assertArrayEquals(new byte[] {(byte) 0xE0, 0x00}, RawMqtt.packet(0xE0, new byte[0]));
        byte[] p = RawMqtt.packet(0x30, new byte[321]);
        assertEquals(0x30, p[0] & 0xFF);
        assertEquals(0xC1, p[1] & 0xFF); // 321 = 0x141: low 7 bits 0x41 | continuation 0x80
        assertEquals(0x02, p[2] & 0xFF); // 321 >> 7 = 2
        assertEquals(3 + 321, p.length);
    }

    @Test
    void connects_subscribes_and_holds_publishes_beyond_the_receive_maximum() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             RawMqtt mqtt = new RawMqtt(new InetSocketAddress("127.0.0.1", listener.getLocalPort()), "raw-mqtt-test")) {
            listener.setSoTimeout(5000);
            CompletableFuture<RawMqtt.Connection> connected = mqtt.connect("t1", (c, topic, payload) -> { });
            try (Socket s = listener.accept()) {
                s.setSoTimeout(5000);
                DataInputStream in = new DataInputStream(s.getInputStream());
                OutputStream out = s.getOutputStream();

                byte[] connect = read(in, 0x10);
                assertArrayEquals(new byte[] {
                    0x00, 0x04, 'M', 'Q', 'T', 'T', // protocol name
                    0x05,                           // protocol level: MQTT 5
                    0x02,                           // connect flags: clean start
                    0x04, (byte) 0xB0,              // keep alive 1200 s
                    0x00,                           // no properties
                    0x00, 0x02, 't', '1'},          // client identifier
                        connect);
                // CONNACK: flags 0, reason success, properties (3 bytes): Receive Maximum (0x21) = 2
                out.write(new byte[] {0x20, 0x06, 0x00, 0x00, 0x03, 0x21, 0x00, 0x02});
                RawMqtt.Connection c = connected.get(5, TimeUnit.SECONDS);

                CompletableFuture<Void> subscribed = c.subscribe(List.of("a/+"));
                byte[] subscribe = read(in, 0x82);
                assertArrayEquals(new byte[] {
                    0x00, 0x01,       // packet identifier 1
                    0x00,             // no properties
                    0x00, 0x03, 'a', '/', '+',
                    0x01},            // subscription options: maximum QoS 1
                        subscribe);
                out.write(new byte[] {(byte) 0x90, 0x04, 0x00, 0x01, 0x00, 0x01}); // SUBACK id 1, granted QoS 1
                subscribed.get(5, TimeUnit.SECONDS);

                CompletableFuture<Void> p1 = c.publish("x", "1".getBytes(StandardCharsets.UTF_8));
                CompletableFuture<Void> p2 = c.publish("x", "2".getBytes(StandardCharsets.UTF_8));
                CompletableFuture<Void> p3 = c.publish("x", "3".getBytes(StandardCharsets.UTF_8));
                byte[] first = read(in, 0x32);
                assertArrayEquals(new byte[] {
                    0x00, 0x01, 'x', // topic
                    0x00, 0x02,      // packet identifier 2
                    0x00,            // no properties
                    '1'},            // payload
                        first);
                assertEquals('2', read(in, 0x32)[6]);
                s.setSoTimeout(300);
                assertThrowsTimeout(in); // the third waits: two are in flight and the broker allows two
                assertFalse(p1.isDone());

                out.write(new byte[] {0x40, 0x02, 0x00, 0x02}); // PUBACK for the first (id 2)
                p1.get(5, TimeUnit.SECONDS);
                s.setSoTimeout(5000);
                assertEquals('3', read(in, 0x32)[6]);
                out.write(new byte[] {0x40, 0x03, 0x00, 0x03, 0x00}); // PUBACK id 3, reason success
                out.write(new byte[] {0x40, 0x02, 0x00, 0x04});
                p2.get(5, TimeUnit.SECONDS);
                p3.get(5, TimeUnit.SECONDS);
                assertTrue(p3.isDone() && !p3.isCompletedExceptionally());
            }
        }
    }

    @Test
    void a_user_name_and_a_password_go_into_connect_with_their_flags() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             RawMqtt mqtt = new RawMqtt(new InetSocketAddress("127.0.0.1", listener.getLocalPort()), "raw-mqtt-test")) {
            listener.setSoTimeout(5000);
            RawMqtt.ConnectOptions both = RawMqtt.ConnectOptions.plaintext().withUserName("u")
                    .withPassword(new byte[] {'p', 'w'});
            CompletableFuture<RawMqtt.Connection> first = mqtt.connect("t1", (c, topic, payload) -> { }, both);
            try (Socket s = listener.accept()) {
                s.setSoTimeout(5000);
                assertArrayEquals(new byte[] {
                    0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05,
                    (byte) 0xC2,                    // connect flags: user name, password, clean start
                    0x04, (byte) 0xB0, 0x00,
                    0x00, 0x02, 't', '1',           // client identifier
                    0x00, 0x01, 'u',                // user name (§3.1.3.5)
                    0x00, 0x02, 'p', 'w'},          // password, binary data (§3.1.3.6)
                        read(new DataInputStream(s.getInputStream()), 0x10));
                s.getOutputStream().write(CONNACK_OK);
                assertTrue(first.get(5, TimeUnit.SECONDS).isOpen());
            }
            CompletableFuture<RawMqtt.Connection> second = mqtt.connect("t2", (c, topic, payload) -> { },
                    RawMqtt.ConnectOptions.plaintext().withUserName("u2"));
            try (Socket s = listener.accept()) {
                s.setSoTimeout(5000);
                assertArrayEquals(new byte[] {
                    0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05,
                    (byte) 0x82,                    // user name only, clean start
                    0x04, (byte) 0xB0, 0x00,
                    0x00, 0x02, 't', '2',
                    0x00, 0x02, 'u', '2'},
                        read(new DataInputStream(s.getInputStream()), 0x10));
                s.getOutputStream().write(CONNACK_OK);
                second.get(5, TimeUnit.SECONDS);
            }
        }
        assertFalse(RawMqtt.ConnectOptions.plaintext().withPassword(new byte[] {'s', 'e', 'c'}).toString().contains("sec"));
    }

    @Test
    void over_tls_connect_subscribe_and_publish_reach_the_broker_unchanged() throws Exception {
        List<String> received = new ArrayList<>();
        try (SSLServerSocket listener = listen(brokerTls);
             RawMqtt mqtt = new RawMqtt(new InetSocketAddress("127.0.0.1", listener.getLocalPort()), "raw-mqtt-test")) {
            CompletableFuture<RawMqtt.Connection> connected = mqtt.connect("t1",
                    (c, topic, payload) -> received.add(topic + "=" + new String(payload, StandardCharsets.UTF_8)),
                    clientTls(t1, pki), "localhost");
            try (SSLSocket s = (SSLSocket) listener.accept()) {
                s.setSoTimeout(5000);
                s.startHandshake();
                assertEquals("t1", commonName((X509Certificate) s.getSession().getPeerCertificates()[0]),
                        "the terminal's own certificate was presented");
                DataInputStream in = new DataInputStream(s.getInputStream());
                OutputStream out = s.getOutputStream();

                assertArrayEquals(new byte[] {
                    0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, 0x02, 0x04, (byte) 0xB0, 0x00, 0x00, 0x02, 't', '1'},
                        read(in, 0x10));
                // CONNACK with Receive Maximum (0x21) = 1
                out.write(new byte[] {0x20, 0x06, 0x00, 0x00, 0x03, 0x21, 0x00, 0x01});
                RawMqtt.Connection c = connected.get(5, TimeUnit.SECONDS);
                assertTrue(c.isOpen() && c.isTls());

                CompletableFuture<Void> subscribed = c.subscribe(List.of("a/+"));
                assertArrayEquals(new byte[] {0x00, 0x01, 0x00, 0x00, 0x03, 'a', '/', '+', 0x01}, read(in, 0x82));
                out.write(new byte[] {(byte) 0x90, 0x04, 0x00, 0x01, 0x00, 0x01});
                subscribed.get(5, TimeUnit.SECONDS);

                // the broker delivers at QoS 1 (packet id 7): the client acknowledges it
                out.write(new byte[] {0x32, 0x0A, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x07, 0x00, 'h', 'i'});
                assertArrayEquals(new byte[] {0x00, 0x07}, read(in, 0x40));

                CompletableFuture<Void> p1 = c.publish("x", "1".getBytes(StandardCharsets.UTF_8));
                CompletableFuture<Void> p2 = c.publish("x", "2".getBytes(StandardCharsets.UTF_8));
                assertArrayEquals(new byte[] {0x00, 0x01, 'x', 0x00, 0x02, 0x00, '1'}, read(in, 0x32));
                s.setSoTimeout(300);
                assertThrowsTimeout(in); // Receive Maximum 1: the second is held
                s.setSoTimeout(5000);
                out.write(new byte[] {0x40, 0x02, 0x00, 0x02});
                p1.get(5, TimeUnit.SECONDS);
                assertArrayEquals(new byte[] {0x00, 0x01, 'x', 0x00, 0x03, 0x00, '2'}, read(in, 0x32));
                out.write(new byte[] {0x40, 0x02, 0x00, 0x03});
                p2.get(5, TimeUnit.SECONDS);

                c.disconnect();
                assertArrayEquals(new byte[0], read(in, 0xE0));
                assertEquals(-1, in.read(), "close_notify after DISCONNECT ends the TLS stream");
                assertFalse(c.isOpen());
            }
        }
        assertEquals(List.of("a/b=hi"), received);
    }

    @Test
    void a_broker_certificate_from_an_untrusted_ca_fails_the_handshake_with_a_typed_error() throws Exception {
        try (SSLServerSocket listener = listen(brokerTls);
             RawMqtt mqtt = new RawMqtt(new InetSocketAddress("127.0.0.1", listener.getLocalPort()), "raw-mqtt-test")) {
            Future<?> broker = handshakeOnce(listener);
            // the terminal trusts a foreign service CA, which did not sign the broker's certificate
            SSLContext wrongCa = TlsMaterial.clientContext(foreign.serviceCaFile(), t1.certificateFile(), t1.keyFile());
            RawMqtt.ConnectFailure f = connectFailure(mqtt.connect("t1", (c, topic, payload) -> { }, wrongCa, "localhost"));
            assertEquals(RawMqtt.ConnectFailure.Kind.TLS_HANDSHAKE, f.kind(), f.getMessage());
            assertInstanceOf(SSLHandshakeException.class, f.getCause());
            assertEquals(-1, f.reasonCode());
            assertInstanceOf(SSLHandshakeException.class,
                    assertThrows(ExecutionException.class, () -> broker.get(10, TimeUnit.SECONDS)).getCause());
        }
    }

    @Test
    void a_broker_certificate_not_naming_the_server_fails_the_handshake() throws Exception {
        try (SSLServerSocket listener = listen(brokerTls);
             RawMqtt mqtt = new RawMqtt(new InetSocketAddress("127.0.0.1", listener.getLocalPort()), "raw-mqtt-test")) {
            handshakeOnce(listener);
            RawMqtt.ConnectFailure f = connectFailure(mqtt.connect("t1", (c, topic, payload) -> { },
                    clientTls(t1, pki), "broker.example.org"));
            assertEquals(RawMqtt.ConnectFailure.Kind.TLS_HANDSHAKE, f.kind(), f.getMessage());
            assertInstanceOf(SSLHandshakeException.class, f.getCause());
        }
    }

    @Test
    void the_broker_refusing_a_foreign_or_expired_terminal_certificate_is_a_tls_failure() throws Exception {
        Instant now = Instant.now();
        TestPki.Issued expired = pki.issueTerminal("t-expired", now.minus(Duration.ofDays(30)), now.minus(Duration.ofDays(1)));
        TestPki.Issued stranger = foreign.issueTerminal("t-stranger");
        for (TestPki.Issued terminal : List.of(expired, stranger)) {
            try (SSLServerSocket listener = listen(brokerTls);
                 RawMqtt mqtt = new RawMqtt(new InetSocketAddress("127.0.0.1", listener.getLocalPort()), "raw-mqtt-test")) {
                Future<?> broker = handshakeOnce(listener);
                // the terminal trusts the broker (right service CA); the broker does not trust the terminal
                SSLContext ctx = TlsMaterial.clientContext(pki.serviceCaFile(), terminal.certificateFile(), terminal.keyFile());
                String id = commonName(terminal.certificate());
                RawMqtt.ConnectFailure f = connectFailure(mqtt.connect(id, (c, topic, payload) -> { }, ctx, "127.0.0.1"));
                assertEquals(RawMqtt.ConnectFailure.Kind.TLS_HANDSHAKE, f.kind(), id + ": " + f.getMessage());
                assertTrue(f.getMessage().contains("alert"), f.getMessage());
                assertInstanceOf(SSLHandshakeException.class,
                        assertThrows(ExecutionException.class, () -> broker.get(10, TimeUnit.SECONDS)).getCause());
            }
        }
    }

    @Test
    void a_connack_refusal_over_tls_carries_its_reason_code() throws Exception {
        try (CrowdBroker broker = new CrowdBroker(brokerTls);
             RawMqtt mqtt = new RawMqtt(broker.address(), "raw-mqtt-test")) {
            // t1's certificate with another client id: the broker wants the client id to be the certificate's CN
            RawMqtt.ConnectFailure f = connectFailure(mqtt.connect("t2", (c, topic, payload) -> { },
                    clientTls(t1, pki), "localhost"));
            assertEquals(RawMqtt.ConnectFailure.Kind.CONNACK_REFUSED, f.kind(), f.getMessage());
            assertEquals(0x85, f.reasonCode()); // Client Identifier not valid
            RawMqtt.Connection ok = mqtt.connect("t1", (c, topic, payload) -> { }, clientTls(t1, pki), "localhost")
                    .get(10, TimeUnit.SECONDS);
            assertTrue(ok.isOpen());
        }
    }

    @Test
    void a_broker_that_never_answers_fails_the_connect_at_its_timeout() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
             RawMqtt mqtt = new RawMqtt(new InetSocketAddress("127.0.0.1", silent.getLocalPort()), "raw-mqtt-test")) {
            // the kernel completes the TCP connect; nobody ever reads or answers
            long t0 = System.nanoTime();
            RawMqtt.ConnectFailure tls = connectFailure(mqtt.connect("t1", (c, topic, payload) -> { },
                    RawMqtt.ConnectOptions.tls(clientTls(t1, pki), "localhost").withTimeout(Duration.ofMillis(500))));
            assertEquals(RawMqtt.ConnectFailure.Kind.TIMEOUT, tls.kind());
            assertTrue(tls.getMessage().contains("TLS handshake"), tls.getMessage());
            RawMqtt.ConnectFailure plain = connectFailure(mqtt.connect("t2", (c, topic, payload) -> { },
                    RawMqtt.ConnectOptions.plaintext().withTimeout(Duration.ofMillis(500))));
            assertEquals(RawMqtt.ConnectFailure.Kind.TIMEOUT, plain.kind());
            assertTrue(plain.getMessage().contains("CONNACK"), plain.getMessage());
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms >= 1000 && ms < 5000, "two 500 ms timeouts took " + ms + " ms");
        }
    }

    @Test
    void closing_the_client_fails_a_connect_still_waiting() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            RawMqtt mqtt = new RawMqtt(new InetSocketAddress("127.0.0.1", silent.getLocalPort()), "raw-mqtt-test");
            CompletableFuture<RawMqtt.Connection> waiting = mqtt.connect("t1", (c, topic, payload) -> { });
            Thread.sleep(200);
            mqtt.close();
            assertEquals(RawMqtt.ConnectFailure.Kind.CONNECTION_LOST, connectFailure(waiting).kind());
            assertEquals(RawMqtt.ConnectFailure.Kind.CONNECTION_LOST,
                    connectFailure(mqtt.connect("t2", (c, topic, payload) -> { })).kind(), "a connect after close");
        }
    }

    @Test
    void two_hundred_tls_connections_run_on_the_one_selector_thread() throws Exception {
        int n = 200;
        List<SSLContext> contexts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            TestPki.Issued t = pki.issueTerminal("crowd-" + i); // each terminal its own key and certificate
            contexts.add(TlsMaterial.clientContext(pki.serviceCaFile(), t.certificateFile(), t.keyFile()));
        }
        try (CrowdBroker broker = new CrowdBroker(brokerTls)) {
            Set<Thread> before = Set.copyOf(Thread.getAllStackTraces().keySet());
            try (RawMqtt mqtt = new RawMqtt(broker.address(), "raw-mqtt-crowd")) {
                List<CompletableFuture<RawMqtt.Connection>> all = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    all.add(mqtt.connect("crowd-" + i, (c, topic, payload) -> { }, contexts.get(i), "127.0.0.1"));
                }
                CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
                assertTrue(all.stream().allMatch(f -> f.join().isOpen() && f.join().isTls()));
                assertEquals(n, broker.accepted.get(), "every connection was accepted by the client id = CN check");
                Set<String> added = Thread.getAllStackTraces().keySet().stream()
                        .filter(t -> !before.contains(t) && t.isAlive())
                        .map(Thread::getName)
                        .collect(Collectors.toSet());
                assertEquals(Set.of("raw-mqtt-crowd"), added, "threads started while " + n + " TLS connections were made");
            }
            assertTrue(broker.failures.isEmpty(), broker.failures.toString());
        }
    }

    /** Reads one packet, checks its first byte, returns its body. */
    private static byte[] read(DataInputStream in, int header) throws IOException {
        assertEquals(header, in.readUnsignedByte(), "packet type and flags");
        int length = 0;
        int shift = 0;
        int b;
        do {
            b = in.readUnsignedByte();
            length |= (b & 0x7F) << shift;
            shift += 7;
        } while ((b & 0x80) != 0);
        byte[] body = new byte[length];
        in.readFully(body);
        return body;
    }

    private static void assertThrowsTimeout(DataInputStream in) throws IOException {
        try {
            int b = in.read();
            throw new AssertionError("the client sent a third PUBLISH beyond the Receive Maximum (first byte " + b + ")");
        } catch (java.net.SocketTimeoutException expected) {
            // nothing arrived: held back as it must be
        }
    }

    private static SSLContext clientTls(TestPki.Issued terminal, TestPki trusting) throws Exception {
        return TlsMaterial.clientContext(trusting.serviceCaFile(), terminal.certificateFile(), terminal.keyFile());
    }

    private static SSLServerSocket listen(SSLContext ctx) throws IOException {
        SSLServerSocket s = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket(0, 50,
                InetAddress.getByName("127.0.0.1"));
        s.setNeedClientAuth(true);
        s.setSoTimeout(10_000);
        return s;
    }

    /** Accepts one connection and runs the handshake on the broker thread; the future fails as the handshake does. */
    private Future<?> handshakeOnce(SSLServerSocket listener) {
        return brokerThread.submit(() -> {
            try (SSLSocket s = (SSLSocket) listener.accept()) {
                s.setSoTimeout(10_000);
                s.startHandshake(); // a server's handshake ends with the client's Finished, after its certificate
                return null;
            }
        });
    }

    /** Waits (bounded) for a connect that must fail, and returns its typed error. */
    private static RawMqtt.ConnectFailure connectFailure(CompletableFuture<RawMqtt.Connection> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(20, TimeUnit.SECONDS));
        return assertInstanceOf(RawMqtt.ConnectFailure.class, e.getCause());
    }

    static String commonName(X509Certificate c) throws InvalidNameException {
        for (Rdn rdn : new LdapName(c.getSubjectX500Principal().getName()).getRdns()) {
            if (rdn.getType().equalsIgnoreCase("CN")) {
                return rdn.getValue().toString();
            }
        }
        throw new AssertionError("no CN in " + c.getSubjectX500Principal());
    }

    /**
     * A broker for many connections (or plaintext with a null context): an accept thread, two handshake threads,
     * then each socket is only held. It reads CONNECT and answers CONNACK success when the client id is the
     * client certificate's CN, reason 0x85 (Client Identifier not valid) when not; threads start at once, so a
     * count of threads around a run sees none of them start.
     */
    static final class CrowdBroker implements AutoCloseable {
        final ServerSocket listener;
        final AtomicInteger accepted = new AtomicInteger();
        final ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        private final ConcurrentLinkedQueue<Socket> held = new ConcurrentLinkedQueue<>();
        private final ThreadPoolExecutor handshakes;
        private final Thread acceptor;

        CrowdBroker(SSLContext tls) throws IOException {
            InetAddress lo = InetAddress.getByName("127.0.0.1");
            if (tls == null) {
                listener = new ServerSocket(0, 2048, lo);
            } else {
                SSLServerSocket s = (SSLServerSocket) tls.getServerSocketFactory().createServerSocket(0, 2048, lo);
                s.setNeedClientAuth(true);
                listener = s;
            }
            AtomicInteger names = new AtomicInteger();
            handshakes = new ThreadPoolExecutor(2, 2, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                    r -> new Thread(r, "crowd-broker-" + names.incrementAndGet()));
            handshakes.prestartAllCoreThreads();
            acceptor = new Thread(this::acceptAll, "crowd-broker-accept");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        InetSocketAddress address() {
            return new InetSocketAddress("127.0.0.1", listener.getLocalPort());
        }

        private void acceptAll() {
            try {
                while (true) {
                    Socket s = listener.accept();
                    s.setTcpNoDelay(true); // else Nagle holds the broker's handshake flight for the client's delayed ACK
                    held.add(s);
                    handshakes.execute(() -> serve(s));
                }
            } catch (SocketException closed) {
                // close()
            } catch (IOException e) {
                failures.add(e);
            }
        }

        private void serve(Socket s) {
            try {
                s.setSoTimeout(20_000);
                String cn = null;
                if (s instanceof SSLSocket tls) {
                    tls.startHandshake();
                    cn = commonName((X509Certificate) tls.getSession().getPeerCertificates()[0]);
                }
                byte[] connect = read(new DataInputStream(s.getInputStream()), 0x10);
                int idLength = ((connect[11] & 0xFF) << 8) | (connect[12] & 0xFF);
                String clientId = new String(connect, 13, idLength, StandardCharsets.UTF_8);
                if (cn == null || cn.equals(clientId)) {
                    accepted.incrementAndGet(); // before the CONNACK: the client may count its connection open at once
                    s.getOutputStream().write(CONNACK_OK);
                } else {
                    s.getOutputStream().write(new byte[] {0x20, 0x03, 0x00, (byte) 0x85, 0x00});
                    s.close();
                }
            } catch (IOException | InvalidNameException | RuntimeException | AssertionError e) {
                failures.add(e);
                try {
                    s.close();
                } catch (IOException ignored) {
                    // already failed
                }
            }
        }

        @Override
        public void close() throws IOException {
            listener.close();
            handshakes.shutdownNow();
            try {
                acceptor.join(5000);
                handshakes.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            for (Socket s : held) {
                s.close();
            }
        }
    }
}
