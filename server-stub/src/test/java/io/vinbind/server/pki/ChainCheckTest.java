package io.vinbind.server.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.Period;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

class ChainCheckTest {

    @TempDir
    static Path dir;

    static TestPki pki;
    static TestPki foreign;
    static List<X509Certificate> trusted;
    static final Instant NOW = Instant.now();

    @BeforeAll
    static void createPkis() throws Exception {
        pki = TestPki.create(dir.resolve("pki"));
        foreign = TestPki.create(dir.resolve("foreign"));
        trusted = List.of(pki.terminalCaCertificate(), pki.serviceCaCertificate());
    }

    @Test
    void a_terminal_chain_from_the_terminal_ca_gives_the_terminal_identity() throws Exception {
        TestPki.Issued t = pki.issueTerminal("TBOX-0001");
        Identity id = ChainCheck.verify(new X509Certificate[] {t.certificate()}, trusted, Set.of(), NOW);
        assertEquals(Identity.Kind.TERMINAL, id.kind());
        assertEquals("TBOX-0001", id.name());
        assertEquals(t.certificate().getSerialNumber(), id.serial());
        X509Certificate[] withCa = PemFiles.readCertificates(t.certificateFile()).toArray(X509Certificate[]::new);
        assertEquals(id, ChainCheck.verify(withCa, pki.trustAnchors(), Set.of(), NOW, ChainCheck.Purpose.CLIENT),
            "the CA at the end of a chain file is the trust anchor, not part of the path");
    }

    @Test
    void a_server_certificate_serves_as_server_and_as_client() throws Exception {
        X509Certificate[] chain = {pki.issueServer("server", List.of(), List.of()).certificate()};
        Identity asServer = ChainCheck.verify(chain, pki.trustAnchors(), Set.of(), NOW, ChainCheck.Purpose.SERVER);
        Identity asClient = ChainCheck.verify(chain, pki.trustAnchors(), Set.of(), NOW, ChainCheck.Purpose.CLIENT);
        assertEquals(Identity.Kind.SERVICE, asServer.kind());
        assertEquals("server", asServer.name());
        assertEquals(asServer, asClient);
    }

    @Test
    void an_expired_certificate_is_refused_as_expired() throws Exception {
        X509Certificate old = pki.issueTerminal("T-old", NOW.minus(Duration.ofDays(30)), NOW.minus(Duration.ofDays(1)))
            .certificate();
        assertRefused(PkiException.Reason.EXPIRED, "expired at", () -> check(old));
    }

    @Test
    void a_certificate_not_valid_yet_is_refused_as_such() throws Exception {
        X509Certificate future = pki.issueTerminal("T-future", NOW.plus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(30)))
            .certificate();
        assertRefused(PkiException.Reason.NOT_YET_VALID, "is not valid before", () -> check(future));
    }

    @Test
    void a_certificate_from_a_foreign_ca_is_refused_as_of_unknown_issuer() throws Exception {
        TestPki.Issued t = foreign.issueTerminal("T1");
        assertRefused(PkiException.Reason.UNKNOWN_ISSUER, "which is not a trusted CA (a foreign CA?)", () -> check(t.certificate()));
        X509Certificate[] withForeignRoot = PemFiles.readCertificates(t.certificateFile()).toArray(X509Certificate[]::new);
        assertRefused(PkiException.Reason.UNKNOWN_ISSUER, "not a trusted CA",
            () -> ChainCheck.verify(withForeignRoot, trusted, Set.of(), NOW));
    }

    @Test
    void a_foreign_ca_that_copies_the_trusted_ca_name_is_caught_by_its_signature() throws Exception {
        KeyPair impostor = Certificates.newKeyPair();
        X500Name sameName = X500Name.getInstance(pki.terminalCaCertificate().getSubjectX500Principal().getEncoded());
        X509Certificate fakeCa = Certificates.sign(null, impostor.getPrivate(), sameName, impostor.getPublic(),
            NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(365)), Certificates.caExtensions());
        X509Certificate leaf = Certificates.sign(fakeCa, impostor.getPrivate(),
            PkiFixtures.subject("OU", Identity.TERMINAL_OU, "CN", "T1"), Certificates.newKeyPair().getPublic(),
            NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(365)), Certificates.clientExtensions());
        assertRefused(PkiException.Reason.UNKNOWN_ISSUER, "is signed by another key (a foreign CA with the same name)",
            () -> check(leaf));
    }

    @Test
    void a_revoked_certificate_is_refused_as_revoked() throws Exception {
        X509Certificate c = pki.issueTerminal("T-revoked").certificate();
        assertRefused(PkiException.Reason.REVOKED, "is revoked",
            () -> ChainCheck.verify(new X509Certificate[] {c}, trusted, Set.of(c.getSerialNumber()), NOW));
    }

    @Test
    void a_terminal_certificate_is_refused_where_a_server_certificate_is_needed() throws Exception {
        X509Certificate[] chain = {pki.issueTerminal("T1").certificate()};
        assertRefused(PkiException.Reason.WRONG_USAGE, "is not for TLS server authentication (serverAuth): its"
            + " extendedKeyUsage is [clientAuth]",
            () -> ChainCheck.verify(chain, pki.trustAnchors(), Set.of(), NOW, ChainCheck.Purpose.SERVER));
        X509Certificate[] tool = {pki.issueService("tool").certificate()};
        assertRefused(PkiException.Reason.WRONG_USAGE, "is not for TLS server authentication",
            () -> ChainCheck.verify(tool, trusted, Set.of(), NOW, ChainCheck.Purpose.SERVER));
    }

    @Test
    void a_terminal_subject_with_server_usage_is_still_not_a_server() throws Exception {
        X509Certificate c = PkiFixtures.terminalCaSigned(pki, PkiFixtures.subject("OU", Identity.TERMINAL_OU, "CN", "T1"),
            Certificates.serverExtensions(List.of("localhost"), List.of()));
        assertRefused(PkiException.Reason.WRONG_USAGE, "is a terminal's; only a service certificate identifies a server",
            () -> ChainCheck.verify(new X509Certificate[] {c}, trusted, Set.of(), NOW, ChainCheck.Purpose.SERVER));
    }

    @Test
    void a_leaf_without_digital_signature_or_client_auth_is_refused_for_its_usage() throws Exception {
        Extension notCa = Certificates.extension(Extension.basicConstraints, true, new BasicConstraints(false));
        Extension clientAuth = Certificates.extension(Extension.extendedKeyUsage, false,
            new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
        X500Name subject = PkiFixtures.subject("OU", Identity.TERMINAL_OU, "CN", "T1");

        X509Certificate encipherOnly = PkiFixtures.terminalCaSigned(pki, subject, List.of(notCa,
            Certificates.extension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyEncipherment)), clientAuth));
        assertRefused(PkiException.Reason.WRONG_USAGE, "has a keyUsage without digitalSignature", () -> check(encipherOnly));

        X509Certificate noKeyUsage = PkiFixtures.terminalCaSigned(pki, subject, List.of(notCa, clientAuth));
        assertRefused(PkiException.Reason.WRONG_USAGE, "has no keyUsage extension", () -> check(noKeyUsage));

        Extension digitalSignature = Certificates.extension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        X509Certificate noEku = PkiFixtures.terminalCaSigned(pki, subject, List.of(notCa, digitalSignature));
        assertRefused(PkiException.Reason.WRONG_USAGE, "has no extendedKeyUsage; TLS client authentication (clientAuth)"
            + " is required", () -> check(noEku));

        X509Certificate serverOnly = PkiFixtures.terminalCaSigned(pki, subject, List.of(notCa, digitalSignature,
            Certificates.extension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))));
        assertRefused(PkiException.Reason.WRONG_USAGE, "its extendedKeyUsage is [serverAuth]", () -> check(serverOnly));
    }

    @Test
    void a_ca_certificate_presented_as_a_leaf_is_refused() throws Exception {
        assertRefused(PkiException.Reason.WRONG_USAGE, "is a trusted CA certificate",
            () -> check(pki.terminalCaCertificate()));
        X509Certificate subCa = PkiFixtures.terminalCaSigned(pki, PkiFixtures.subject("OU", Identity.TERMINAL_OU, "CN", "T1"),
            Certificates.caExtensions());
        assertRefused(PkiException.Reason.WRONG_USAGE, "is a CA certificate, not an end entity's", () -> check(subCa));
    }

    @Test
    void a_valid_chain_whose_subject_is_outside_the_model_is_refused_as_such() throws Exception {
        X509Certificate hash = PkiFixtures.terminalCaSigned(pki, PkiFixtures.subject("OU", Identity.TERMINAL_OU, "CN", "#"),
            Certificates.clientExtensions());
        assertRefused(PkiException.Reason.NOT_IN_MODEL, "is not 1-64 of", () -> check(hash));
        X509Certificate otherOu = PkiFixtures.terminalCaSigned(pki, PkiFixtures.subject("OU", "vinbind-admin", "CN", "T1"),
            Certificates.clientExtensions());
        assertRefused(PkiException.Reason.NOT_IN_MODEL, "neither vinbind-terminal nor vinbind-service", () -> check(otherOu));
    }

    @Test
    void the_terminal_ca_cannot_vouch_for_a_service_identity_when_roles_are_given() throws Exception {
        X509Certificate minted = PkiFixtures.terminalCaSigned(pki,
            PkiFixtures.subject("OU", Identity.SERVICE_OU, "CN", "svc:server"), Certificates.serverExtensions(List.of(), List.of()));
        X509Certificate[] chain = {minted};
        assertRefused(PkiException.Reason.NOT_IN_MODEL, "which is not trusted for service identities",
            () -> ChainCheck.verify(chain, pki.trustAnchors(), Set.of(), NOW, ChainCheck.Purpose.SERVER));
        // the role-free check only knows the CAs are trusted: this is why the broker passes the roles
        assertEquals("server", ChainCheck.verify(chain, trusted, Set.of(), NOW).name());

        TestPki.Issued tool = pki.issueService("tool");
        TrustAnchors swapped = new TrustAnchors(List.of(pki.serviceCaCertificate()), List.of(pki.terminalCaCertificate()));
        assertRefused(PkiException.Reason.NOT_IN_MODEL, "not trusted for service identities",
            () -> ChainCheck.verify(new X509Certificate[] {tool.certificate()}, swapped, Set.of(), NOW,
                ChainCheck.Purpose.CLIENT));
    }

    @Test
    void an_expired_trusted_ca_is_named_as_the_expired_one() throws Exception {
        Instant longAgo = NOW.minus(Duration.ofDays(800));
        TestPki old = TestPki.create(dir.resolve("old"), TestPki.Settings.defaults()
            .withClock(Clock.fixed(longAgo, ZoneOffset.UTC)).withCaValidity(Period.ofYears(2)));
        X509Certificate leaf = old.issueTerminal("T1", NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(1))).certificate();
        assertRefused(PkiException.Reason.EXPIRED, "the trusted CA certificate",
            () -> ChainCheck.verify(new X509Certificate[] {leaf}, List.of(old.terminalCaCertificate()), Set.of(), NOW));
    }

    @Test
    void an_empty_chain_is_refused() {
        assertRefused(PkiException.Reason.INVALID_CHAIN, "no certificate presented",
            () -> ChainCheck.verify(new X509Certificate[0], trusted, Set.of(), NOW));
        assertThrows(IllegalArgumentException.class,
            () -> ChainCheck.verify(new X509Certificate[0], List.of(), Set.<BigInteger>of(), NOW));
    }

    private static Identity check(X509Certificate leaf) throws PkiException {
        return ChainCheck.verify(new X509Certificate[] {leaf}, trusted, Set.of(), NOW);
    }

    private static void assertRefused(PkiException.Reason reason, String fragment, Executable check) {
        PkiException e = assertThrows(PkiException.class, check);
        assertEquals(reason, e.reason(), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }
}
