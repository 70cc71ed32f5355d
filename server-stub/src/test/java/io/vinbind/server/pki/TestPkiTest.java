package io.vinbind.server.pki;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.Period;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestPkiTest {

    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";

    @TempDir
    Path tmp;

    private final Instant now = Instant.parse("2026-11-22T10:00:00Z");
    private final TestPki.Settings fixed = TestPki.Settings.defaults().withClock(Clock.fixed(now, ZoneOffset.UTC));

    @Test
    void create_makes_two_distinct_cas_with_owner_only_keys_in_a_0700_directory() throws Exception {
        Path dir = tmp.resolve("pki");
        TestPki pki = TestPki.create(dir, fixed);
        assertEquals("rwx------", mode(dir));
        assertEquals("rwx------", mode(dir.resolve(TestPki.TERMINALS)));
        assertEquals("rwx------", mode(dir.resolve(TestPki.SERVICES)));
        assertEquals("rw-------", mode(dir.resolve(TestPki.TERMINAL_CA_KEY)));
        assertEquals("rw-------", mode(dir.resolve(TestPki.SERVICE_CA_KEY)));
        for (String f : List.of(TestPki.TERMINAL_CA, TestPki.SERVICE_CA, TestPki.TERMINAL_CRL, TestPki.SERVICE_CRL,
            TestPki.CRL_BUNDLE, TestPki.REVOKED)) {
            assertTrue(Files.exists(dir.resolve(f)), f);
        }
        for (X509Certificate ca : List.of(pki.terminalCaCertificate(), pki.serviceCaCertificate())) {
            assertEquals(0, ca.getBasicConstraints(), "CA:true pathLen 0");
            boolean[] ku = ca.getKeyUsage();
            assertTrue(ku[5] && ku[6], "keyCertSign and cRLSign");
            assertFalse(ku[0], "not digitalSignature");
            assertTrue(ca.getCriticalExtensionOIDs().containsAll(Set.of("2.5.29.19", "2.5.29.15")));
            assertArrayEquals(ski(ca), aki(ca), "self-signed: AKI = SKI");
            assertSerial(ca.getSerialNumber());
            assertEquals(now.atZone(ZoneOffset.UTC).plusYears(20).toInstant(), ca.getNotAfter().toInstant());
            assertEquals(now.minus(TestPki.BACKDATE), ca.getNotBefore().toInstant());
            assertEquals("EC", ca.getPublicKey().getAlgorithm());
        }
        assertNotEquals(pki.terminalCaCertificate().getSubjectX500Principal(), pki.serviceCaCertificate().getSubjectX500Principal());
        assertEquals(pki.terminalCaCertificate(), PemFiles.readCertificate(pki.terminalCaFile()));
        assertEquals(pki.serviceCaCertificate(), PemFiles.readCertificate(pki.serviceCaFile()));
    }

    @Test
    void create_refuses_a_directory_that_already_has_a_ca() throws Exception {
        Path dir = tmp.resolve("pki");
        TestPki.create(dir);
        PkiException e = assertThrows(PkiException.class, () -> TestPki.create(dir));
        assertEquals(PkiException.Reason.STATE, e.reason());
        assertTrue(e.getMessage().contains("already has a CA (terminal-ca.pem)"), e.getMessage());
    }

    @Test
    void open_loads_what_create_made_and_open_or_create_creates_only_once() throws Exception {
        Path dir = tmp.resolve("pki");
        TestPki first = TestPki.openOrCreate(dir);
        TestPki again = TestPki.openOrCreate(dir);
        TestPki opened = TestPki.open(dir);
        assertEquals(first.terminalCaCertificate(), again.terminalCaCertificate());
        assertEquals(first.serviceCaCertificate(), opened.serviceCaCertificate());
        assertTrue(opened.canIssueTerminals() && opened.canIssueServices());
        assertEquals(dir, opened.dir());
    }

    @Test
    void open_refuses_a_directory_without_a_pki_and_a_ca_key_others_can_read() throws Exception {
        PkiException e = assertThrows(PkiException.class, () -> TestPki.open(tmp.resolve("nothing")));
        assertEquals(PkiException.Reason.STATE, e.reason());
        assertTrue(e.getMessage().contains("./vinbind pki init"), e.getMessage());

        Path dir = tmp.resolve("pki");
        TestPki.create(dir);
        Path key = dir.resolve(TestPki.TERMINAL_CA_KEY);
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
        e = assertThrows(PkiException.class, () -> TestPki.open(dir));
        assertEquals(PkiException.Reason.FILE, e.reason());
        assertTrue(e.getMessage().contains(key + " has mode 0644"), e.getMessage());
    }

    @Test
    void open_refuses_a_ca_key_that_belongs_to_another_ca() throws Exception {
        Path dir = tmp.resolve("pki");
        TestPki.create(dir);
        Files.copy(dir.resolve(TestPki.SERVICE_CA_KEY), dir.resolve(TestPki.TERMINAL_CA_KEY),
            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        PkiException e = assertThrows(PkiException.class, () -> TestPki.open(dir));
        assertTrue(e.getMessage().contains("does not belong to the CA certificate"), e.getMessage());
    }

    @Test
    void a_server_certificate_is_a_service_identity_for_tls_server_and_client_with_the_loopback_names() throws Exception {
        TestPki pki = TestPki.create(tmp.resolve("pki"), fixed);
        TestPki.Issued server = pki.issueServer("server-1", List.of("MQTT.example.com", "localhost"),
            List.of(InetAddress.getByName("192.0.2.10")));
        X509Certificate c = server.certificate();
        assertEquals("CN=svc:server-1,OU=vinbind-service", c.getSubjectX500Principal().getName());
        assertEquals(List.of(SERVER_AUTH, CLIENT_AUTH), c.getExtendedKeyUsage());
        assertTrue(c.getKeyUsage()[0], "digitalSignature");
        assertEquals(-1, c.getBasicConstraints());
        List<String> names = new ArrayList<>();
        for (List<?> san : c.getSubjectAlternativeNames()) {
            names.add(san.get(0) + ":" + san.get(1));
        }
        assertEquals(List.of("2:localhost", "2:mqtt.example.com", "7:127.0.0.1", "7:192.0.2.10"), names);
        assertArrayEquals(ski(pki.serviceCaCertificate()), aki(c));
        assertEquals(now.atZone(ZoneOffset.UTC).plusYears(2).toInstant(), c.getNotAfter().toInstant());
        assertEquals(pki.dir().resolve("services/server-1.pem"), server.certificateFile());
        assertEquals(List.of(c, pki.serviceCaCertificate()), PemFiles.readCertificates(server.certificateFile()));
        assertEquals("rw-------", mode(server.keyFile()));
        assertTrue(Certificates.matches(PemFiles.readPrivateKey(server.keyFile()), c));
        assertEquals(new Identity(Identity.Kind.SERVICE, "server-1", c.getSerialNumber(), c.getNotAfter().toInstant()),
            Identity.of(c));
    }

    @Test
    void a_tool_certificate_is_for_client_authentication_only() throws Exception {
        TestPki pki = TestPki.create(tmp.resolve("pki"));
        X509Certificate c = pki.issueService("after-sales").certificate();
        assertEquals("CN=svc:after-sales,OU=vinbind-service", c.getSubjectX500Principal().getName());
        assertEquals(List.of(CLIENT_AUTH), c.getExtendedKeyUsage());
        assertEquals(null, c.getSubjectAlternativeNames());
    }

    @Test
    void a_terminal_certificate_has_the_model_subject_clientauth_only_and_lives_15_years() throws Exception {
        TestPki pki = TestPki.create(tmp.resolve("pki"), fixed);
        TestPki.Issued t = pki.issueTerminal("TBOX-0001");
        X509Certificate c = t.certificate();
        assertEquals("CN=TBOX-0001,OU=vinbind-terminal", c.getSubjectX500Principal().getName());
        assertEquals(pki.terminalCaCertificate().getSubjectX500Principal(), c.getIssuerX500Principal());
        assertEquals(List.of(CLIENT_AUTH), c.getExtendedKeyUsage());
        boolean[] ku = c.getKeyUsage();
        assertTrue(ku[0]);
        for (int i = 1; i < ku.length; i++) {
            assertFalse(ku[i], "keyUsage bit " + i);
        }
        assertEquals(-1, c.getBasicConstraints());
        assertArrayEquals(ski(pki.terminalCaCertificate()), aki(c));
        assertTrue(ski(c).length > 0);
        assertSerial(c.getSerialNumber());
        assertEquals("EC", c.getPublicKey().getAlgorithm());
        assertTrue(c.getPublicKey().toString().contains("secp256r1") || c.getPublicKey().toString().contains("1.2.840.10045.3.1.7"),
            "P-256: " + c.getPublicKey());
        assertEquals(now.atZone(ZoneOffset.UTC).plusYears(15).toInstant(), c.getNotAfter().toInstant());
        assertEquals(pki.dir().resolve("terminals/TBOX-0001.pem"), t.certificateFile());
        assertEquals(pki.dir().resolve("terminals/TBOX-0001.key"), t.keyFile());
        assertEquals(List.of(c, pki.terminalCaCertificate()), PemFiles.readCertificates(t.certificateFile()));
        assertEquals(t.certificate(), pki.issued(Identity.Kind.TERMINAL, "TBOX-0001").orElseThrow().certificate());
        assertFalse(t.toString().contains(t.key().toString()) || t.toString().contains("private"), "no key: " + t);
    }

    @Test
    void bad_names_are_refused_before_anything_is_issued() throws Exception {
        TestPki pki = TestPki.create(tmp.resolve("pki"));
        assertThrows(IllegalArgumentException.class, () -> pki.issueTerminal("a/b"));
        assertThrows(IllegalArgumentException.class, () -> pki.issueTerminal("../x"));
        assertThrows(IllegalArgumentException.class, () -> pki.issueServer("s", List.of("bad_name.example"), List.of()));
        assertThrows(IllegalArgumentException.class, () -> pki.issueService("svc:x"));
        Instant t = Instant.now();
        assertThrows(IllegalArgumentException.class, () -> pki.issueTerminal("T1", t, t));
        try (var files = Files.list(pki.dir().resolve(TestPki.TERMINALS))) {
            assertEquals(0, files.count());
        }
    }

    @Test
    void revoking_a_terminal_lists_it_once_and_signs_a_crl_with_it() throws Exception {
        TestPki pki = TestPki.create(tmp.resolve("pki"), fixed);
        BigInteger serial = pki.issueTerminal("T1").certificate().getSerialNumber();
        BigInteger before = Certificates.crlNumber(PemFiles.readCrl(pki.crlFile()));
        X509CRL crl = pki.revokeTerminal("T1");
        crl.verify(pki.terminalCaCertificate().getPublicKey());
        assertTrue(crl.isRevoked(pki.issued(Identity.Kind.TERMINAL, "T1").orElseThrow().certificate()));
        assertEquals(now, crl.getThisUpdate().toInstant());
        assertEquals(now.plus(Duration.ofDays(7)), crl.getNextUpdate().toInstant());
        assertEquals(before.add(BigInteger.ONE), Certificates.crlNumber(crl));
        assertEquals(crl, PemFiles.readCrl(pki.crlFile()));
        assertEquals(Set.of(serial), pki.revokedSerials());

        pki.revokeTerminal("T1");
        pki.revoke(serial);
        List<String> lines = Files.readAllLines(pki.dir().resolve(TestPki.REVOKED)).stream()
            .filter(l -> !l.startsWith("#")).toList();
        assertEquals(List.of(Certificates.hex(serial) + " " + now + " terminal-ca terminal:T1"), lines);
        assertEquals(1, PemFiles.readCrl(pki.crlFile()).getRevokedCertificates().size());
    }

    @Test
    void revoking_by_serial_and_a_service_go_to_the_crl_of_their_ca_and_the_bundle_holds_both() throws Exception {
        TestPki pki = TestPki.create(tmp.resolve("pki"));
        BigInteger elsewhere = new BigInteger("1234ABCD", 16);
        pki.revoke(elsewhere);
        BigInteger tool = pki.issueService("tool").certificate().getSerialNumber();
        X509CRL serviceCrl = pki.revokeService("tool");
        serviceCrl.verify(pki.serviceCaCertificate().getPublicKey());
        assertEquals(tool, serviceCrl.getRevokedCertificates().iterator().next().getSerialNumber());
        assertEquals(elsewhere, PemFiles.readCrl(pki.crlFile()).getRevokedCertificates().iterator().next().getSerialNumber());
        assertEquals(Set.of(elsewhere, tool), pki.revokedSerials());
        String bundle = Files.readString(pki.crlBundleFile());
        assertEquals(2, bundle.split("-----BEGIN X509 CRL-----", -1).length - 1);
    }

    @Test
    void revoking_a_terminal_without_a_certificate_here_says_to_revoke_by_serial() throws Exception {
        TestPki pki = TestPki.create(tmp.resolve("pki"));
        PkiException e = assertThrows(PkiException.class, () -> pki.revokeTerminal("T9"));
        assertTrue(e.getMessage().contains("revoke it by serial instead"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> pki.revoke(BigInteger.ZERO));
    }

    @Test
    void an_oem_terminal_ca_without_its_key_cannot_issue_but_its_crl_counts() throws Exception {
        Path dir = tmp.resolve("pki");
        TestPki full = TestPki.create(dir);
        BigInteger serial = full.issueTerminal("T1").certificate().getSerialNumber();
        full.revokeTerminal("T1"); // the OEM's CRL, as it would hand it over
        Files.delete(dir.resolve(TestPki.TERMINAL_CA_KEY));
        Files.writeString(dir.resolve(TestPki.REVOKED), "# the OEM keeps its own list\n");

        TestPki pki = TestPki.open(dir);
        assertFalse(pki.canIssueTerminals());
        PkiException e = assertThrows(PkiException.class, () -> pki.issueTerminal("T2"));
        assertEquals(PkiException.Reason.STATE, e.reason());
        assertTrue(e.getMessage().contains("terminal-ca key " + dir.resolve(TestPki.TERMINAL_CA_KEY) + " is not here"),
            e.getMessage());
        assertEquals(Set.of(serial), pki.revokedSerials(), "read from the OEM's CRL");
        assertEquals(2, pki.refreshCrls().size(), "the OEM's CRL stays in the bundle as it is");
        pki.issueServer("server", List.of(), List.of()); // the service CA is still ours
    }

    @Test
    void a_crl_not_signed_by_its_ca_is_refused() throws Exception {
        TestPki pki = TestPki.create(tmp.resolve("pki"));
        TestPki foreign = TestPki.create(tmp.resolve("foreign"));
        Files.copy(foreign.crlFile(), pki.crlFile(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        PkiException e = assertThrows(PkiException.class, pki::revokedSerials);
        assertTrue(e.getMessage().contains("is not signed by the terminal-ca"), e.getMessage());
    }

    @Test
    void a_broken_revoked_list_is_reported_with_its_line() throws Exception {
        Path dir = tmp.resolve("pki");
        TestPki.create(dir);
        Files.writeString(dir.resolve(TestPki.REVOKED), "# header\nABC 2026-11-22T10:00:00Z terminal-ca\nXYZ yesterday\n");
        PkiException e = assertThrows(PkiException.class, () -> TestPki.open(dir));
        assertTrue(e.getMessage().contains("revoked.txt line 3"), e.getMessage());
    }

    @Test
    void refreshing_the_crls_moves_their_dates_and_numbers_on() throws Exception {
        Path dir = tmp.resolve("pki");
        TestPki.create(dir, fixed);
        Instant later = now.plus(Duration.ofDays(6));
        TestPki pki = TestPki.open(dir, fixed.withClock(Clock.fixed(later, ZoneOffset.UTC)).withCrlValidity(Duration.ofDays(1)));
        List<X509CRL> crls = pki.refreshCrls();
        assertEquals(2, crls.size());
        for (X509CRL crl : crls) {
            assertEquals(later, crl.getThisUpdate().toInstant());
            assertEquals(later.plus(Duration.ofDays(1)), crl.getNextUpdate().toInstant());
            assertEquals(BigInteger.TWO, Certificates.crlNumber(crl));
        }
    }

    @Test
    void issued_lists_services_then_terminals_by_name() throws Exception {
        TestPki pki = TestPki.create(tmp.resolve("pki"));
        pki.issueTerminal("T2");
        pki.issueTerminal("T1");
        pki.issueServer("server", List.of(), List.of());
        assertEquals(List.of("svc:server", "T1", "T2"), pki.issued().stream().map(Identity::commonName).toList());
        assertTrue(pki.issued(Identity.Kind.TERMINAL, "T3").isEmpty());
    }

    @Test
    void concurrent_revocations_are_all_kept() throws Exception {
        TestPki a = TestPki.create(tmp.resolve("pki"));
        TestPki b = TestPki.open(a.dir());
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Callable<X509CRL>> work = new ArrayList<>();
            for (int i = 1; i <= 8; i++) {
                BigInteger serial = BigInteger.valueOf(i);
                TestPki pki = i % 2 == 0 ? a : b;
                work.add(() -> pki.revoke(serial));
            }
            for (Future<X509CRL> f : pool.invokeAll(work, 60, TimeUnit.SECONDS)) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(8, a.revokedSerials().size());
        assertEquals(8, PemFiles.readCrl(a.crlFile()).getRevokedCertificates().size());
    }

    @Test
    void settings_refuse_validities_that_are_not_positive() {
        TestPki.Settings d = TestPki.Settings.defaults();
        assertEquals(Period.ofYears(15), d.terminalValidity());
        assertEquals(Period.ofYears(2), d.serviceValidity());
        assertEquals(Period.ofYears(20), d.caValidity());
        assertEquals(Duration.ofDays(7), d.crlValidity());
        assertThrows(IllegalArgumentException.class, () -> d.withTerminalValidity(Period.ZERO));
        assertThrows(IllegalArgumentException.class, () -> d.withCrlValidity(Duration.ofDays(-1)));
    }

    @Test
    void serials_parse_as_openssl_prints_them() {
        assertEquals(new BigInteger("3F9A", 16), TestPki.parseSerial("3f:9a"));
        assertEquals(new BigInteger("3F9A", 16), TestPki.parseSerial("0x3F9A"));
        assertThrows(IllegalArgumentException.class, () -> TestPki.parseSerial("zz"));
        assertThrows(IllegalArgumentException.class, () -> TestPki.parseSerial("00"));
    }

    private static void assertSerial(BigInteger serial) {
        assertTrue(serial.signum() > 0 && serial.bitLength() <= 128, "positive, 128-bit: " + serial);
        assertTrue(serial.bitLength() > 64, "random, not a counter: " + serial);
    }

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    static byte[] ski(X509Certificate c) {
        byte[] ext = c.getExtensionValue(Extension.subjectKeyIdentifier.getId());
        return SubjectKeyIdentifier.getInstance(ASN1OctetString.getInstance(ext).getOctets()).getKeyIdentifier();
    }

    static byte[] aki(X509Certificate c) {
        byte[] ext = c.getExtensionValue(Extension.authorityKeyIdentifier.getId());
        return AuthorityKeyIdentifier.getInstance(ASN1OctetString.getInstance(ext).getOctets()).getKeyIdentifier();
    }
}
