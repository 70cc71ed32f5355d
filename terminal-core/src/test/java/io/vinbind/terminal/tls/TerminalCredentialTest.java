package io.vinbind.terminal.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.terminal.testsupport.TestCerts;
import io.vinbind.terminal.testsupport.TestCerts.Issued;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The terminal's own credential: the CN of a terminal certificate is its id; anything else is refused. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TerminalCredentialTest {

    @TempDir
    Path dir;

    Issued terminalCa;

    @BeforeEach
    void ca() {
        terminalCa = TestCerts.ca("vinbind test terminal CA");
    }

    TerminalCredential load(Issued leaf) throws Exception {
        Path cert = TestCerts.writeCerts(dir.resolve("terminal.pem"), leaf.chain());
        Path key = TestCerts.writePkcs8(dir.resolve("terminal.key"), leaf.keys().getPrivate(), "rw-------");
        return TerminalCredential.load(cert, key);
    }

    CredentialException refused(Issued leaf) {
        return assertThrows(CredentialException.class, () -> load(leaf));
    }

    @Test
    void the_terminal_id_is_the_cn_of_an_ec_terminal_certificate() throws Exception {
        Issued leaf = TestCerts.terminal(terminalCa, "TBOX-0001");
        TerminalCredential c = load(leaf);
        assertEquals("TBOX-0001", c.terminalId());
        assertEquals(leaf.chain(), c.chain());
        assertEquals("EC", c.privateKey().getAlgorithm());
    }

    @Test
    void an_rsa_terminal_key_works_too() throws Exception {
        Issued leaf = TestCerts.leaf(terminalCa, TestCerts.subject("O", "OEM", "OU", TestCerts.TERMINAL_OU, "CN",
                "TBOX.rsa_01"), TestCerts.rsaKeys(), KeyPurposeId.id_kp_clientAuth, List.of(), List.of());
        TerminalCredential c = load(leaf);
        assertEquals("TBOX.rsa_01", c.terminalId(), "other attributes such as O are allowed");
        assertEquals("RSA", c.privateKey().getAlgorithm());
    }

    @Test
    void to_string_never_shows_the_key() throws Exception {
        Issued leaf = TestCerts.terminal(terminalCa, "TBOX-0001");
        String shown = load(leaf).toString();
        String key = Base64.getEncoder().encodeToString(leaf.keys().getPrivate().getEncoded());
        assertFalse(shown.contains(key.substring(0, 16)), shown);
        assertTrue(shown.startsWith("TerminalCredential[TBOX-0001, 'CN=TBOX-0001,OU=vinbind-terminal' serial "), shown);
    }

    @Test
    void a_service_certificate_is_not_a_terminal() {
        Issued svc = TestCerts.service(TestCerts.ca("service CA"), "server");
        CredentialException e = refused(svc);
        assertTrue(e.getMessage().contains("'CN=svc:server,OU=vinbind-service' serial "), e.getMessage());
        assertTrue(e.getMessage().endsWith("is not a terminal certificate: its subject must be CN=<terminalId>, "
                + "OU=vinbind-terminal, the terminal id 1-64 characters A-Z a-z 0-9 . _ - starting with a letter or "
                + "digit"), e.getMessage());
    }

    @Test
    void a_terminal_id_in_a_certificate_without_the_terminal_ou_is_refused() {
        Issued leaf = TestCerts.leaf(terminalCa, TestCerts.subject("OU", "workshop", "CN", "TBOX-0001"),
                TestCerts.ecKeys(), KeyPurposeId.id_kp_clientAuth, List.of(), List.of());
        assertTrue(refused(leaf).getMessage().contains("is not a terminal certificate"));
    }

    @Test
    void a_cn_that_could_not_key_a_topic_is_refused() {
        for (String cn : new String[] {"TBOX/0001", "TBOX+", "#", ".hidden", "T\u00dcV-1", "a b"}) {
            Issued leaf = TestCerts.terminal(terminalCa, cn);
            assertTrue(refused(leaf).getMessage().contains("is not a terminal certificate"), cn);
        }
    }

    @Test
    void two_cns_are_refused() {
        Issued leaf = TestCerts.leaf(terminalCa, TestCerts.subject("OU", TestCerts.TERMINAL_OU, "CN", "TBOX-1", "CN",
                "TBOX-2"), TestCerts.ecKeys(), KeyPurposeId.id_kp_clientAuth, List.of(), List.of());
        assertTrue(refused(leaf).getMessage().contains("has 2 CNs; a terminal certificate has exactly one"));
    }

    @Test
    void a_certificate_that_cannot_authenticate_a_client_is_refused() {
        Issued serverOnly = TestCerts.leaf(terminalCa, TestCerts.subject("OU", TestCerts.TERMINAL_OU, "CN", "TBOX-1"),
                TestCerts.ecKeys(), KeyPurposeId.id_kp_serverAuth, List.of(), List.of());
        assertTrue(refused(serverOnly).getMessage().endsWith("has no clientAuth extended key usage, so it cannot "
                + "authenticate the terminal to the broker"));
    }

    @Test
    void a_chain_must_start_with_the_terminal_and_go_up_in_order() throws Exception {
        Issued leaf = TestCerts.terminal(terminalCa, "TBOX-0001");
        Path reversed = TestCerts.writeCerts(dir.resolve("reversed.pem"), List.of(terminalCa.certificate(),
                leaf.certificate()));
        CredentialException e = assertThrows(CredentialException.class, () -> TerminalCredential.readChain(reversed));
        assertTrue(e.getMessage().contains("is not a terminal certificate") || e.getMessage().contains("begins with a "
                + "CA certificate"), e.getMessage());

        Path unrelated = TestCerts.writeCerts(dir.resolve("unrelated.pem"), List.of(leaf.certificate(),
                TestCerts.ca("someone else").certificate()));
        CredentialException u = assertThrows(CredentialException.class, () -> TerminalCredential.readChain(unrelated));
        assertTrue(u.getMessage().contains("certificate 1 ('CN=TBOX-0001,OU=vinbind-terminal' serial "), u.getMessage());
        assertTrue(u.getMessage().endsWith("; the chain must go from the terminal's certificate up to its CA, in "
                + "order"), u.getMessage());

        Path leafOnly = TestCerts.writeCerts(dir.resolve("leaf.pem"), List.of(leaf.certificate()));
        assertEquals(1, TerminalCredential.readChain(leafOnly).size(), "the leaf alone is a chain too");
    }

    @Test
    void a_ca_certificate_named_like_a_terminal_is_refused() throws Exception {
        Issued caLike = TestCerts.ca("TBOX-0001");
        Path file = TestCerts.writeCerts(dir.resolve("ca-like.pem"), caLike.chain());
        assertThrows(CredentialException.class, () -> TerminalCredential.readChain(file));
    }

    @Test
    void an_expired_certificate_is_loaded_because_the_clock_may_be_wrong_and_the_broker_judges() throws Exception {
        Issued expired = TestCerts.leaf(terminalCa, TestCerts.subject("OU", TestCerts.TERMINAL_OU, "CN", "TBOX-0001"),
                TestCerts.ecKeys(), KeyPurposeId.id_kp_clientAuth, List.of(), List.of(),
                Instant.now().minus(Duration.ofDays(400)), Instant.now().minus(Duration.ofDays(35)));
        assertEquals("TBOX-0001", load(expired).terminalId());
    }

    @Test
    void a_key_that_does_not_belong_to_the_certificate_is_refused() throws Exception {
        Issued leaf = TestCerts.terminal(terminalCa, "TBOX-0001");
        Path cert = TestCerts.writeCerts(dir.resolve("terminal.pem"), leaf.chain());
        Path otherEc = TestCerts.writePkcs8(dir.resolve("other.key"), TestCerts.ecKeys().getPrivate(), "rw-------");
        CredentialException e = assertThrows(CredentialException.class, () -> TerminalCredential.load(cert, otherEc));
        assertEquals(otherEc, e.file());
        assertTrue(e.getMessage().startsWith("the EC key in " + otherEc + " does not belong to the certificate in "
                + cert + " ('CN=TBOX-0001,OU=vinbind-terminal' serial "), e.getMessage());
        Path rsa = TestCerts.writePkcs8(dir.resolve("rsa.key"), TestCerts.rsaKeys().getPrivate(), "rw-------");
        assertTrue(assertThrows(CredentialException.class, () -> TerminalCredential.load(cert, rsa)).getMessage()
                .contains("the RSA key in " + rsa + " does not belong"));
    }
}
