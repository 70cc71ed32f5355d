package io.vinbind.server.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IdentityTest {

    @TempDir
    static Path dir;

    static TestPki pki;

    @BeforeAll
    static void createPki() throws Exception {
        pki = TestPki.create(dir.resolve("pki"));
    }

    @Test
    void a_terminal_certificate_names_the_terminal_by_its_cn() throws Exception {
        X509Certificate cert = pki.issueTerminal("TBOX-0001").certificate();
        Identity id = Identity.of(cert);
        assertEquals(Identity.Kind.TERMINAL, id.kind());
        assertEquals("TBOX-0001", id.name());
        assertEquals("TBOX-0001", id.commonName());
        assertEquals(cert.getSerialNumber(), id.serial());
        assertEquals(cert.getNotAfter().toInstant(), id.notAfter());
    }

    @Test
    void a_service_certificate_names_the_service_without_its_prefix() throws Exception {
        Identity id = Identity.of(pki.issueService("factory.line-3").certificate());
        assertEquals(Identity.Kind.SERVICE, id.kind());
        assertEquals("factory.line-3", id.name());
        assertEquals("svc:factory.line-3", id.commonName());
    }

    @Test
    void other_subject_attributes_such_as_an_oem_organisation_are_allowed() throws Exception {
        X509Certificate cert = PkiFixtures.terminalCaSigned(pki,
            PkiFixtures.subject("C", "DE", "O", "Some OEM", "OU", Identity.TERMINAL_OU, "CN", "T1"),
            Certificates.clientExtensions());
        assertEquals("T1", Identity.of(cert).name());
    }

    @ParameterizedTest
    @ValueSource(strings = {"a+b", "fleet/#", "a/b", "+", "#", "x y", ".hidden", "-dash", ""})
    void a_terminal_cn_with_a_wildcard_a_slash_or_another_illegal_character_is_refused(String cn) throws Exception {
        X509Certificate cert = PkiFixtures.terminalCaSigned(pki, PkiFixtures.subject("OU", Identity.TERMINAL_OU, "CN", cn),
            Certificates.clientExtensions());
        PkiException e = assertThrows(PkiException.class, () -> Identity.of(cert));
        assertEquals(PkiException.Reason.NOT_IN_MODEL, e.reason());
        assertTrue(e.getMessage().contains("is not 1-64 of A-Z a-z 0-9 . _ -"), e.getMessage());
    }

    @Test
    void a_terminal_cn_longer_than_64_characters_is_refused() throws Exception {
        X509Certificate cert = PkiFixtures.terminalCaSigned(pki,
            PkiFixtures.subject("OU", Identity.TERMINAL_OU, "CN", "T".repeat(65)), Certificates.clientExtensions());
        assertEquals(PkiException.Reason.NOT_IN_MODEL, assertThrows(PkiException.class, () -> Identity.of(cert)).reason());
    }

    @Test
    void a_terminal_cn_that_takes_the_service_prefix_is_refused() throws Exception {
        X509Certificate cert = PkiFixtures.terminalCaSigned(pki,
            PkiFixtures.subject("OU", Identity.TERMINAL_OU, "CN", "svc:server"), Certificates.clientExtensions());
        PkiException e = assertThrows(PkiException.class, () -> Identity.of(cert));
        assertTrue(e.getMessage().contains("starts with 'svc:', which marks a service"), e.getMessage());
    }

    @Test
    void an_ou_that_is_neither_terminal_nor_service_is_refused() throws Exception {
        X509Certificate cert = PkiFixtures.terminalCaSigned(pki, PkiFixtures.subject("OU", "vinbind-admin", "CN", "T1"),
            Certificates.clientExtensions());
        PkiException e = assertThrows(PkiException.class, () -> Identity.of(cert));
        assertTrue(e.getMessage().contains("has OU 'vinbind-admin', neither vinbind-terminal nor vinbind-service"),
            e.getMessage());
    }

    @Test
    void a_service_ou_with_a_cn_lacking_the_prefix_is_refused() throws Exception {
        X509Certificate cert = PkiFixtures.terminalCaSigned(pki, PkiFixtures.subject("OU", Identity.SERVICE_OU, "CN", "server"),
            Certificates.clientExtensions());
        PkiException e = assertThrows(PkiException.class, () -> Identity.of(cert));
        assertTrue(e.getMessage().contains("does not start with 'svc:'"), e.getMessage());
    }

    @Test
    void a_subject_without_cn_or_ou_or_with_two_of_them_is_refused() throws Exception {
        for (String[] subject : List.of(new String[] {"OU", Identity.TERMINAL_OU, "O", "x"},
            new String[] {"CN", "T1"},
            new String[] {"OU", Identity.TERMINAL_OU, "OU", Identity.SERVICE_OU, "CN", "T1"},
            new String[] {"OU", Identity.TERMINAL_OU, "CN", "T1", "CN", "T2"})) {
            X509Certificate cert = PkiFixtures.terminalCaSigned(pki, PkiFixtures.subject(subject),
                Certificates.clientExtensions());
            PkiException e = assertThrows(PkiException.class, () -> Identity.of(cert), String.join(",", subject));
            assertEquals(PkiException.Reason.NOT_IN_MODEL, e.reason());
            assertTrue(e.getMessage().matches(".*(has no CN|CNs; exactly one|OUs; exactly one).*"), e.getMessage());
        }
    }

    @Test
    void the_record_refuses_what_of_would_refuse() {
        assertThrows(IllegalArgumentException.class,
            () -> new Identity(Identity.Kind.TERMINAL, "a#b", BigInteger.ONE, Instant.EPOCH));
        assertThrows(IllegalArgumentException.class,
            () -> new Identity(Identity.Kind.TERMINAL, "T1", BigInteger.ZERO, Instant.EPOCH));
        assertEquals("T1", Identity.requireName(Identity.Kind.TERMINAL, "T1"));
        assertEquals("x".repeat(64), Identity.requireName(Identity.Kind.SERVICE, "x".repeat(64)));
    }

    @Test
    void untrusted_text_is_escaped_and_cut_before_it_is_shown() {
        assertEquals("a\\u000ab\\u00e9\\u005c", Identity.printable("a\nbé\\"));
        assertEquals("x".repeat(100) + "...", Identity.printable("x".repeat(300)));
    }
}
