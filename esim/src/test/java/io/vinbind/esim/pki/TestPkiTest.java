package io.vinbind.esim.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestPkiTest {

    static TestPki pki;

    @BeforeAll
    static void create() {
        pki = TestPki.create("smdp.example.test", 2);
    }

    @Test
    void eidsCarryValidCheckDigitsInTheEumRange() {
        assertEquals(2, pki.eids().size());
        assertTrue(pki.eids().stream().allMatch(e -> Eid.valid(e) && e.startsWith(TestPki.DEFAULT_EID_PREFIX)));
        assertTrue(Eid.valid("89049032123451234512345678901235")); // the SGP.26 test EID
    }

    @Test
    void euiccChainHoldsByKeyIdAndSignature() throws Exception {
        EuiccCredentials e = pki.euicc(pki.eids().get(0));
        Sgp22CertPath.EuiccChain chain = Sgp22CertPath.checkEuicc(e.euiccCertificateDer(), e.eumCertificateDer(),
            List.of(pki.ci()), new Date());
        assertEquals(e.eid(), chain.eid());
    }

    @Test
    void eidOutsideTheEumPrefixIsRefused() {
        EuiccCredentials rogue = pki.issueEuicc(Eid.withCheckDigits("890440450000000000000000000001"));
        CertificateCheckException x = assertThrows(CertificateCheckException.class, () -> Sgp22CertPath.checkEuicc(
            rogue.euiccCertificateDer(), rogue.eumCertificateDer(), List.of(pki.ci()), new Date()));
        assertEquals(CertificateCheckException.Reason.EID_OUT_OF_RANGE, x.reason());
    }

    @Test
    void chainUnderAnotherCiIsRefused() {
        TestPki other = TestPki.create("smdp.example.test", 1);
        EuiccCredentials e = other.euicc(other.eids().get(0));
        CertificateCheckException x = assertThrows(CertificateCheckException.class, () -> Sgp22CertPath.checkEuicc(
            e.euiccCertificateDer(), e.eumCertificateDer(), List.of(pki.ci()), new Date()));
        assertEquals(CertificateCheckException.Reason.CI_UNKNOWN, x.reason());
    }

    @Test
    void serverCertificatesCarryTheirRolePolicyAndTheSmdpOid() throws Exception {
        SmdpCredentials s = pki.smdp();
        Sgp22CertPath.ServerChain auth = Sgp22CertPath.checkServer(s.dpAuth().getEncoded(), Sgp22Oids.DP_AUTH,
            List.of(pki.ci()), new Date());
        assertEquals(Sgp22Oids.BENCH_SMDP_OID, auth.smdpOid());
        CertificateCheckException wrongRole = assertThrows(CertificateCheckException.class, () ->
            Sgp22CertPath.checkServer(s.dpTls().getEncoded(), Sgp22Oids.DP_PB, List.of(pki.ci()), new Date()));
        assertEquals(CertificateCheckException.Reason.SERVER_INVALID, wrongRole.reason());
        assertThrows(CertificateCheckException.class, () -> Sgp22CertPath.checkServer(s.dpAuth().getEncoded(),
            Sgp22Oids.DP_AUTH, List.of(pki.ci()), new Date(System.currentTimeMillis() + 20L * 365 * 86_400_000)));
    }

    @Test
    void writtenPkiLoadsBackWithOwnerOnlyKeys(@TempDir Path dir) throws Exception {
        pki.writeTo(dir);
        String eid = pki.eids().get(0);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(TestPki.euiccKeyFile(eid)))));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(TestPki.CI_KEY))));
        assertTrue(Files.readString(dir.resolve(TestPki.CI_CERT)).startsWith("-----BEGIN CERTIFICATE-----"));
        EuiccCredentials e = EuiccCredentials.fromPkiDirectory(dir, eid);
        assertEquals(eid, e.eid());
        assertEquals(pki.eids(), TestPki.eidsIn(dir));
        SmdpCredentials s = SmdpCredentials.fromPkiDirectory(dir);
        assertEquals("smdp.example.test", s.address());
        assertEquals(Sgp22Oids.BENCH_SMDP_OID, s.smdpOid());
    }

    @Test
    void identityLoadsFromFilesWithASec1KeyAsTheSgp26FilesHave(@TempDir Path dir) throws Exception {
        pki.writeTo(dir);
        String eid = pki.eids().get(1);
        Path sec1 = dir.resolve("sec1.key.pem");
        java.io.StringWriter w = new java.io.StringWriter();
        try (org.bouncycastle.openssl.jcajce.JcaPEMWriter pw = new org.bouncycastle.openssl.jcajce.JcaPEMWriter(w)) {
            pw.writeObject(pki.euicc(eid).euiccKey()); // a bare private key is written as "EC PRIVATE KEY" (SEC1)
        }
        Files.writeString(sec1, w.toString());
        assertTrue(w.toString().startsWith("-----BEGIN EC PRIVATE KEY-----"), w.toString());
        EuiccCredentials e = EuiccCredentials.fromFiles(dir.resolve(TestPki.euiccCertFile(eid)), sec1,
            dir.resolve(TestPki.EUM_CERT), List.of(dir.resolve(TestPki.CI_CERT)));
        assertEquals(eid, e.eid());
        assertEquals(pki.euicc(eid).euiccKey().getEncoded().length > 0, e.euiccKey().getEncoded().length > 0);
        CertificateCheckException wrongCi = assertThrows(CertificateCheckException.class, () -> EuiccCredentials.fromFiles(
            dir.resolve(TestPki.euiccCertFile(eid)), sec1, dir.resolve(TestPki.EUM_CERT), List.of(dir.resolve("dpauth.pem"))));
        assertEquals(CertificateCheckException.Reason.CI_UNKNOWN, wrongCi.reason());
    }
}
