package io.vinbind.terminal.adapter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.terminal.testsupport.TestCerts;
import io.vinbind.terminal.testsupport.TestCerts.Issued;
import io.vinbind.terminal.tls.TerminalTls;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The terminal's TLS sockets against an in-JVM TLS server that demands a client certificate: TCP_NODELAY, TLS
 * 1.2+ only, the broker's name checked, and the {@link HandshakeProbe} noting who accepted whom.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TlsSocketsTest {

    @TempDir
    Path dir;

    TestCerts.TerminalFiles files;
    HandshakeProbe probe;
    NoDelayTlsSocketFactory sockets;

    @BeforeEach
    void terminal() throws Exception {
        files = TestCerts.terminalFiles(dir, "TBOX-0001");
        TerminalTls tls = TerminalTls.load(files.caFile(), files.certFile(), files.keyFile());
        probe = new HandshakeProbe();
        sockets = new NoDelayTlsSocketFactory(TerminalTls.context(probe.keys(tls.keyManager(), TerminalTls.KEY_ALIAS),
                probe.trust(tls.trustManager())));
    }

    /** A one-connection TLS server; completes with the client's CN and the protocol, or the server's failure. */
    record Server(SSLServerSocket socket, CompletableFuture<String> peer) {
    }

    Server server(Issued identity, String... protocols) throws IOException {
        SSLContext ctx = TestCerts.sslContext(identity, List.of(files.terminalCa().certificate()));
        SSLServerSocket s = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket(0, 1,
                InetAddress.getByName("127.0.0.1"));
        s.setNeedClientAuth(true);
        if (protocols.length > 0) {
            s.setEnabledProtocols(protocols);
        }
        CompletableFuture<String> peer = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try (SSLSocket c = (SSLSocket) s.accept()) {
                c.startHandshake();
                peer.complete(c.getSession().getPeerPrincipal().getName() + " " + c.getSession().getProtocol());
                c.getOutputStream().write(1);
                c.getInputStream().read();
            } catch (IOException e) {
                peer.completeExceptionally(e);
            }
        }, "tls-test-server");
        t.setDaemon(true);
        t.start();
        return new Server(s, peer);
    }

    SSLSocket dial(Server server, String host) throws IOException {
        SSLSocket s = (SSLSocket) sockets.createSocket();
        s.connect(new InetSocketAddress("127.0.0.1", server.socket().getLocalPort()), 5000);
        SSLParameters p = s.getSSLParameters();
        p.setEndpointIdentificationAlgorithm("HTTPS"); // what Paho sets with setHttpsHostnameVerificationEnabled
        p.setServerNames(List.of(new javax.net.ssl.SNIHostName(host)));
        s.setSSLParameters(p);
        s.setSoTimeout(10_000);
        return s;
    }

    Issued broker(List<String> dns, List<String> ips) {
        return TestCerts.server(files.serviceCa(), "test-broker", dns, ips);
    }

    @Test
    void mutual_tls_with_nagle_off_and_tls_1_3_and_the_probe_sees_both_sides_accepted() throws Exception {
        Server server = server(broker(List.of("localhost"), List.of("127.0.0.1")));
        try (SSLSocket s = dial(server, "localhost")) {
            assertTrue(s.getTcpNoDelay());
            assertArrayEquals(new String[] {"TLSv1.3", "TLSv1.2"}, s.getEnabledProtocols());
            s.startHandshake();
            assertEquals(1, s.getInputStream().read());
            assertEquals("TLSv1.3", s.getSession().getProtocol());
            assertEquals("CN=TBOX-0001,OU=vinbind-terminal TLSv1.3", server.peer().get(10, TimeUnit.SECONDS));
            assertTrue(probe.brokerAccepted());
            assertTrue(probe.certificateSent());
            s.getOutputStream().write(2);
        } finally {
            server.socket().close();
        }
    }

    @Test
    void a_tls_1_2_broker_is_fine() throws Exception {
        Server server = server(broker(List.of("localhost"), List.of()), "TLSv1.2");
        try (SSLSocket s = dial(server, "localhost")) {
            s.startHandshake();
            assertEquals("TLSv1.2", s.getSession().getProtocol());
            assertEquals("CN=TBOX-0001,OU=vinbind-terminal TLSv1.2", server.peer().get(10, TimeUnit.SECONDS));
        } finally {
            server.socket().close();
        }
    }

    @Test
    void a_broker_from_another_ca_fails_the_handshake_and_the_probe_says_the_broker_was_not_accepted()
            throws Exception {
        Issued foreign = TestCerts.server(TestCerts.ca("vinbind test service CA"), "test-broker", List.of("localhost"),
                List.of("127.0.0.1"));
        Server server = server(foreign);
        try (SSLSocket s = dial(server, "localhost")) {
            assertThrows(SSLHandshakeException.class, s::startHandshake);
            assertFalse(probe.brokerAccepted());
            assertFalse(probe.certificateSent(), "the terminal never showed its certificate to the impostor");
        } finally {
            server.socket().close();
        }
    }

    @Test
    void a_broker_certificate_for_another_name_fails_the_handshake() throws Exception {
        Server server = server(broker(List.of("broker.vinbind.example"), List.of()));
        try (SSLSocket s = dial(server, "localhost")) {
            SSLHandshakeException e = assertThrows(SSLHandshakeException.class, s::startHandshake);
            // the JDK tries the SNI name (localhost), then the address dialled
            assertTrue(e.getMessage().contains("No subject alternative names matching IP address 127.0.0.1 found"),
                    e.getMessage());
            assertFalse(probe.brokerAccepted());
        } finally {
            server.socket().close();
        }
    }

    @Test
    void the_probe_offers_the_one_key_also_under_the_pkix_key_managers_own_alias_and_for_any_ca_list()
            throws Exception {
        java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        char[] pw = "pw".toCharArray();
        ks.setKeyEntry(TerminalTls.KEY_ALIAS, files.terminal().keys().getPrivate(), pw,
                files.terminal().chain().toArray(java.security.cert.X509Certificate[]::new));
        javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance("PKIX");
        kmf.init(ks, pw);
        HandshakeProbe p = new HandshakeProbe();
        javax.net.ssl.X509ExtendedKeyManager km = p.keys(
                (javax.net.ssl.X509ExtendedKeyManager) kmf.getKeyManagers()[0], TerminalTls.KEY_ALIAS);
        java.security.Principal someoneElse = new javax.security.auth.x500.X500Principal("CN=another OEM's CA");
        String alias = km.chooseClientAlias(new String[] {"EC"}, new java.security.Principal[] {someoneElse}, null);
        assertEquals(files.terminal().keys().getPrivate(), km.getPrivateKey(alias));
        assertTrue(p.certificateSent());
        p.reset();
        assertEquals(null, km.chooseClientAlias(new String[] {"RSA"}, null, null), "an EC key is no RSA key");
        assertFalse(p.certificateSent());
    }

    @Test
    void reset_forgets_the_previous_connect() throws Exception {
        Server server = server(broker(List.of("localhost"), List.of()));
        try (SSLSocket s = dial(server, "localhost")) {
            s.startHandshake();
            server.peer().get(10, TimeUnit.SECONDS);
        } finally {
            server.socket().close();
        }
        assertTrue(probe.brokerAccepted() && probe.certificateSent());
        probe.reset();
        assertFalse(probe.brokerAccepted() || probe.certificateSent());
    }
}
