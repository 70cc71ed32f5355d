package io.vinbind.terminal.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.terminal.testsupport.TestCerts;
import io.vinbind.terminal.testsupport.TestCerts.Issued;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The terminal's TLS material: the CAs it trusts for the broker, and TLS 1.2+ only. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TerminalTlsTest {

    @TempDir
    Path dir;

    @Test
    void a_bundle_of_cas_is_read_whole() throws Exception {
        Issued a = TestCerts.ca("service CA 2024");
        Issued b = TestCerts.ca("service CA 2027");
        Path file = TestCerts.writeCerts(dir.resolve("ca.pem"), List.of(a.certificate(), b.certificate()));
        assertEquals(List.of(a.certificate(), b.certificate()), TerminalTls.readTrustAnchors(file));
    }

    @Test
    void the_brokers_own_certificate_is_not_a_ca_to_trust() throws Exception {
        Issued ca = TestCerts.ca("service CA");
        Issued broker = TestCerts.server(ca, "broker", List.of("localhost"), List.of("127.0.0.1"));
        Path file = TestCerts.writeCerts(dir.resolve("ca.pem"), List.of(broker.certificate()));
        CredentialException e = assertThrows(CredentialException.class, () -> TerminalTls.readTrustAnchors(file));
        assertTrue(e.getMessage().startsWith(file + " holds 'CN=svc:broker,OU=vinbind-service' serial "), e.getMessage());
        assertTrue(e.getMessage().endsWith("which is not a CA certificate: this file holds the CA that issued the "
                + "broker's certificate, not a certificate of the broker or the terminal"), e.getMessage());
    }

    @Test
    void all_three_files_make_the_material_and_its_terminal_id() throws Exception {
        TestCerts.TerminalFiles f = TestCerts.terminalFiles(dir, "TBOX-0007");
        TerminalTls tls = TerminalTls.load(f.caFile(), f.certFile(), f.keyFile());
        assertEquals("TBOX-0007", tls.terminalId());
        assertEquals(List.of(f.serviceCa().certificate()), tls.trustAnchors());
        assertEquals("TLS", tls.sslContext().getProtocol());
        assertTrue(tls.toString().startsWith("TerminalTls[TerminalCredential[TBOX-0007, "), tls.toString());
    }

    @Test
    void only_tls_1_2_and_1_3_are_spoken_newest_first() {
        assertArrayEquals(new String[] {"TLSv1.3", "TLSv1.2"},
                TerminalTls.protocols(new String[] {"TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3", "SSLv2Hello"}));
        assertArrayEquals(new String[] {"TLSv1.2"}, TerminalTls.protocols(new String[] {"TLSv1.1", "TLSv1.2"}));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> TerminalTls.protocols(new String[] {"TLSv1", "TLSv1.1"}));
        assertEquals("this JDK supports none of [TLSv1.3, TLSv1.2] (only TLSv1, TLSv1.1)", e.getMessage());
    }
}
