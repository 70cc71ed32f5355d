package io.vinbind.server.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Mutual TLS in one JVM over a loopback socket, between contexts built from the PKI's files. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsMaterialTest {

    private static final int SOCKET_TIMEOUT_MS = 10_000;
    private static final InetAddress LOOPBACK = loopback();

    @TempDir
    static Path dir;

    static TestPki pki;
    static TestPki foreign;
    static TestPki.Issued server;
    static TestPki.Issued terminal;

    private final ExecutorService serverThread = Executors.newSingleThreadExecutor();

    @BeforeAll
    static void createPkis() throws Exception {
        pki = TestPki.create(dir.resolve("pki"));
        foreign = TestPki.create(dir.resolve("foreign"));
        server = pki.issueServer("server", List.of(), List.of());
        terminal = pki.issueTerminal("TBOX-0001");
    }

    @AfterEach
    void stopServer() {
        serverThread.shutdownNow();
    }

    @Test
    void mutual_tls_with_a_terminal_certificate_succeeds_and_the_server_learns_the_terminal_id() throws Exception {
        SSLContext serverCtx = TlsMaterial.serverContext(List.of(pki.terminalCaFile(), pki.serviceCaFile()),
            server.certificateFile(), server.keyFile());
        SSLContext clientCtx = TlsMaterial.clientContext(pki.serviceCaFile(), terminal.certificateFile(), terminal.keyFile());
        try (SSLServerSocket listener = listen(serverCtx)) {
            Future<X509Certificate[]> seen = serveOnce(listener);
            try (SSLSocket client = connect(clientCtx, listener)) {
                client.getOutputStream().write(41);
                client.getOutputStream().flush();
                assertEquals(42, client.getInputStream().read(), "the server answered over the encrypted channel");
                X509Certificate presented = (X509Certificate) client.getSession().getPeerCertificates()[0];
                assertEquals(server.certificate(), presented);
            }
            X509Certificate[] peer = seen.get(20, TimeUnit.SECONDS);
            Identity id = ChainCheck.verify(peer, pki.trustAnchors(), pki.revokedSerials(), Instant.now(),
                ChainCheck.Purpose.CLIENT);
            assertEquals(new Identity(Identity.Kind.TERMINAL, "TBOX-0001", terminal.certificate().getSerialNumber(),
                terminal.certificate().getNotAfter().toInstant()), id);
        }
    }

    @Test
    void mutual_tls_with_a_certificate_from_a_foreign_ca_fails() throws Exception {
        TestPki.Issued stranger = foreign.issueTerminal("TBOX-0001");
        SSLContext serverCtx = TlsMaterial.serverContext(pki.terminalCaFile(), server.certificateFile(), server.keyFile());
        SSLContext clientCtx = TlsMaterial.clientContext(pki.serviceCaFile(), stranger.certificateFile(), stranger.keyFile());
        try (SSLServerSocket listener = listen(serverCtx)) {
            Future<X509Certificate[]> seen = serveOnce(listener);
            assertNoAnswer(clientCtx, listener);
            ExecutionException e = assertThrows(ExecutionException.class, () -> seen.get(20, TimeUnit.SECONDS));
            assertInstanceOf(SSLHandshakeException.class, e.getCause(), String.valueOf(e.getCause()));
        }
    }

    @Test
    void a_client_without_a_certificate_is_refused_by_a_server_that_needs_one() throws Exception {
        SSLContext serverCtx = TlsMaterial.serverContext(pki.terminalCaFile(), server.certificateFile(), server.keyFile());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", pki.serviceCaCertificate());
        tmf.init(trust);
        SSLContext anonymous = SSLContext.getInstance("TLS");
        anonymous.init(null, tmf.getTrustManagers(), null);
        try (SSLServerSocket listener = listen(serverCtx)) {
            Future<X509Certificate[]> seen = serveOnce(listener);
            assertNoAnswer(anonymous, listener);
            assertInstanceOf(SSLHandshakeException.class,
                assertThrows(ExecutionException.class, () -> seen.get(20, TimeUnit.SECONDS)).getCause());
        }
    }

    @Test
    void a_terminal_certificate_used_as_the_server_certificate_is_refused_by_the_client() throws Exception {
        TestPki.Issued other = pki.issueTerminal("TBOX-0002");
        // a server that presents a terminal's certificate; the client even trusts the terminal CA
        SSLContext serverCtx = TlsMaterial.serverContext(pki.terminalCaFile(), other.certificateFile(), other.keyFile());
        SSLContext clientCtx = TlsMaterial.clientContext(pki.terminalCaFile(), terminal.certificateFile(), terminal.keyFile());
        try (SSLServerSocket listener = listen(serverCtx)) {
            serveOnce(listener);
            try (SSLSocket client = (SSLSocket) clientCtx.getSocketFactory().createSocket()) {
                client.connect(new InetSocketAddress(LOOPBACK, listener.getLocalPort()),
                    SOCKET_TIMEOUT_MS);
                client.setSoTimeout(SOCKET_TIMEOUT_MS);
                SSLHandshakeException e = assertThrows(SSLHandshakeException.class, client::startHandshake);
                assertTrue(String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("usage")
                    || String.valueOf(e.getCause()).toLowerCase(Locale.ROOT).contains("usage"), "refused for its key usage: " + e);
            }
        }
    }

    @Test
    void the_client_checks_the_server_name_against_the_subject_alt_names() throws Exception {
        TestPki.Issued elsewhere = pki.issueServer("elsewhere", List.of("mqtt.example.com"), List.of());
        SSLContext clientCtx = TlsMaterial.clientContext(pki.serviceCaFile(), terminal.certificateFile(), terminal.keyFile());
        // 127.0.0.1 is always in a server certificate, so name a host the certificate does not: the check is real
        try (SSLServerSocket listener = listen(TlsMaterial.serverContext(pki.terminalCaFile(),
            elsewhere.certificateFile(), elsewhere.keyFile()))) {
            serveOnce(listener);
            try (SSLSocket client = (SSLSocket) clientCtx.getSocketFactory().createSocket(
                new Socket(LOOPBACK, listener.getLocalPort()), "other.example.com",
                listener.getLocalPort(), true)) {
                client.setSoTimeout(SOCKET_TIMEOUT_MS);
                SSLParameters p = client.getSSLParameters();
                p.setEndpointIdentificationAlgorithm("HTTPS");
                client.setSSLParameters(p);
                assertThrows(SSLHandshakeException.class, client::startHandshake);
            }
        }
    }

    @Test
    void a_key_that_does_not_belong_to_the_certificate_is_refused() {
        PkiException e = assertThrows(PkiException.class,
            () -> TlsMaterial.clientContext(pki.serviceCaFile(), terminal.certificateFile(), server.keyFile()));
        assertEquals(PkiException.Reason.FILE, e.reason());
        assertTrue(e.getMessage().contains("does not belong to the first certificate of " + terminal.certificateFile()),
            e.getMessage());
    }

    @Test
    void the_pkcs12_key_store_opens_as_hivemq_opens_it_with_one_password_for_store_and_key() throws Exception {
        char[] password = TlsMaterial.randomPassword();
        Path ks = TlsMaterial.writePkcs12(dir.resolve("broker-keystore.p12"), server.certificateFile(), server.keyFile(),
            password);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(ks)));
        // HiveMQ CE 2025.1 opens its keystore as type "JKS"; the JDK's JKS type reads PKCS#12 too
        KeyStore store = KeyStore.getInstance("JKS");
        try (InputStream in = Files.newInputStream(ks)) {
            store.load(in, password);
        }
        assertEquals(List.of(TlsMaterial.KEY_ALIAS), Collections.list(store.aliases()));
        Certificate[] chain = store.getCertificateChain(TlsMaterial.KEY_ALIAS);
        assertEquals(List.of(server.certificate(), pki.serviceCaCertificate()), Arrays.asList(chain));
        assertEquals(server.key(), store.getKey(TlsMaterial.KEY_ALIAS, password));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, password); // HiveMQ's <private-key-password>: the same password
        assertEquals(1, kmf.getKeyManagers().length);
    }

    @Test
    void the_trust_store_holds_every_ca_as_a_trusted_entry() throws Exception {
        char[] password = TlsMaterial.randomPassword();
        Path ts = TlsMaterial.writeTrustStore(dir.resolve("broker-truststore.p12"),
            List.of(pki.terminalCaFile(), pki.serviceCaFile()), password);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(ts)));
        KeyStore store = KeyStore.getInstance("JKS");
        try (InputStream in = Files.newInputStream(ts)) {
            store.load(in, password);
        }
        assertEquals(Set.of("ca-0", "ca-1"), Set.copyOf(Collections.list(store.aliases())));
        assertTrue(store.isCertificateEntry("ca-0"));
        assertEquals(Set.of(pki.terminalCaCertificate(), pki.serviceCaCertificate()),
            Set.of(store.getCertificate("ca-0"), store.getCertificate("ca-1")));
        PkiException e = assertThrows(PkiException.class,
            () -> TlsMaterial.writeTrustStore(dir.resolve("bad.p12"), List.of(terminal.certificateFile()), password));
        assertTrue(e.getMessage().contains("which is not a CA certificate"), e.getMessage());
    }

    @Test
    void random_passwords_are_long_and_different() {
        char[] a = TlsMaterial.randomPassword();
        char[] b = TlsMaterial.randomPassword();
        assertEquals(32, a.length);
        assertNotEquals(new String(a), new String(b));
        assertTrue(new String(a).matches("[A-Za-z0-9_-]{32}"));
    }

    private static InetAddress loopback() {
        try {
            return InetAddress.getByName("127.0.0.1"); // a literal: parsed, not looked up
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static SSLServerSocket listen(SSLContext ctx) throws IOException {
        SSLServerSocket s = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket(0, 4,
            LOOPBACK);
        s.setNeedClientAuth(true);
        s.setSoTimeout(SOCKET_TIMEOUT_MS);
        return s;
    }

    /** Accepts one connection, completes the handshake, answers byte b with b + 1; yields the client's chain. */
    private Future<X509Certificate[]> serveOnce(SSLServerSocket listener) {
        return serverThread.submit(() -> {
            try (SSLSocket s = (SSLSocket) listener.accept()) {
                s.setSoTimeout(SOCKET_TIMEOUT_MS);
                s.startHandshake();
                Certificate[] peer = s.getSession().getPeerCertificates();
                int b = s.getInputStream().read();
                s.getOutputStream().write(b + 1);
                s.getOutputStream().flush();
                return Arrays.stream(peer).map(X509Certificate.class::cast).toArray(X509Certificate[]::new);
            }
        });
    }

    private static SSLSocket connect(SSLContext ctx, SSLServerSocket listener) throws IOException {
        SSLSocket client = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", listener.getLocalPort());
        client.setSoTimeout(SOCKET_TIMEOUT_MS);
        SSLParameters p = client.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS"); // the server certificate names 127.0.0.1
        client.setSSLParameters(p);
        client.startHandshake();
        return client;
    }

    /**
     * The client gets no answer: in TLS 1.3 the client's side of the handshake may finish before the server has
     * checked the client's certificate, so the refusal shows as an alert (or a closed connection) at the first read.
     */
    private static void assertNoAnswer(SSLContext ctx, SSLServerSocket listener) {
        int answer;
        try (SSLSocket client = connect(ctx, listener)) {
            client.getOutputStream().write(41);
            client.getOutputStream().flush();
            answer = client.getInputStream().read();
        } catch (IOException refused) {
            return;
        }
        assertEquals(-1, answer, "the server must not answer a client it refused");
    }
}
