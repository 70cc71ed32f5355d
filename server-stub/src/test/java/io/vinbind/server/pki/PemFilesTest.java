package io.vinbind.server.pki;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.AlgorithmParameters;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509CRL;
import java.util.List;
import java.util.stream.Stream;
import javax.crypto.Cipher;
import javax.crypto.EncryptedPrivateKeyInfo;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.PBEParameterSpec;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PemFilesTest {

    @TempDir
    static Path shared;

    @TempDir
    Path dir;

    static TestPki pki;
    static TestPki.Issued terminal;

    @BeforeAll
    static void createPki() throws Exception {
        pki = TestPki.create(shared.resolve("pki"));
        terminal = pki.issueTerminal("T1");
    }

    @Test
    void a_chain_a_crl_and_an_ec_key_read_back_as_written() throws Exception {
        Path chain = dir.resolve("chain.pem");
        PemFiles.writeCertificates(chain, List.of(terminal.certificate(), pki.terminalCaCertificate()));
        assertEquals(List.of(terminal.certificate(), pki.terminalCaCertificate()), PemFiles.readCertificates(chain));
        assertTrue(Files.readString(chain).startsWith("-----BEGIN CERTIFICATE-----\n"), "RFC 7468 label");

        Path key = dir.resolve("t.key");
        PemFiles.writePrivateKey(key, terminal.key());
        PrivateKey read = PemFiles.readPrivateKey(key);
        assertEquals("EC", read.getAlgorithm());
        assertArrayEquals(terminal.key().getEncoded(), read.getEncoded());
        assertTrue(Files.readString(key).startsWith("-----BEGIN PRIVATE KEY-----\n"), "PKCS#8, not SEC1");

        X509CRL crl = PemFiles.readCrl(pki.crlFile());
        assertEquals(pki.terminalCaCertificate().getSubjectX500Principal(), crl.getIssuerX500Principal());
    }

    @Test
    void an_rsa_pkcs8_key_is_read_too() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        KeyPair rsa = g.generateKeyPair();
        Path key = dir.resolve("rsa.key");
        PemFiles.writePrivateKey(key, rsa.getPrivate());
        PrivateKey read = PemFiles.readPrivateKey(key);
        assertEquals("RSA", read.getAlgorithm());
        assertArrayEquals(rsa.getPrivate().getEncoded(), read.getEncoded());
    }

    @Test
    void keys_are_written_0600_certificates_0644_and_no_temporary_file_is_left() throws Exception {
        Path key = dir.resolve("k.key");
        Path cert = dir.resolve("c.pem");
        PemFiles.writePrivateKey(key, terminal.key());
        PemFiles.writeCertificates(cert, List.of(terminal.certificate()));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(cert)));
        PemFiles.writePrivateKey(key, terminal.key()); // replacing keeps the mode
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of("c.pem", "k.key"), files.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void a_key_file_with_mode_0644_is_refused_naming_the_file_and_its_mode() throws Exception {
        Path key = dir.resolve("open.key");
        PemFiles.writePrivateKey(key, terminal.key());
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
        PkiException e = assertThrows(PkiException.class, () -> PemFiles.readPrivateKey(key));
        assertEquals(PkiException.Reason.FILE, e.reason());
        assertTrue(e.getMessage().contains("key file " + key + " has mode 0644"), e.getMessage());
        assertTrue(e.getMessage().contains("chmod 600 " + key), e.getMessage());

        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw----r--"));
        assertTrue(assertThrows(PkiException.class, () -> PemFiles.requireOwnerOnly(key)).getMessage().contains("0604"));
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("r--------"));
        assertDoesNotThrow(() -> PemFiles.requireOwnerOnly(key));
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rwx------"));
        assertDoesNotThrow(() -> PemFiles.requireOwnerOnly(key), "the owner's own bits are the owner's business");
    }

    @Test
    void a_missing_file_is_named() {
        Path absent = dir.resolve("absent.pem");
        PkiException e = assertThrows(PkiException.class, () -> PemFiles.readCertificates(absent));
        assertEquals("no such file: " + absent, e.getMessage());
        assertEquals("no such file: " + absent,
            assertThrows(PkiException.class, () -> PemFiles.readPrivateKey(absent)).getMessage());
    }

    @Test
    void a_file_that_is_not_pem_is_refused_and_der_is_recognised() throws Exception {
        Path text = dir.resolve("notes.pem");
        Files.writeString(text, "hello\n");
        PkiException e = assertThrows(PkiException.class, () -> PemFiles.readCertificates(text));
        assertTrue(e.getMessage().contains("is not PEM (no -----BEGIN line)"), e.getMessage());

        Path der = dir.resolve("cert.der");
        Files.write(der, terminal.certificate().getEncoded());
        e = assertThrows(PkiException.class, () -> PemFiles.readCertificates(der));
        assertTrue(e.getMessage().contains("looks like binary DER"), e.getMessage());
    }

    @Test
    void a_pem_of_the_wrong_type_is_refused_with_what_it_holds() throws Exception {
        PkiException e = assertThrows(PkiException.class, () -> PemFiles.readCertificates(terminal.keyFile()));
        assertTrue(e.getMessage().contains("holds a PRIVATE KEY where only certificates belong (keep keys in their own"),
            e.getMessage());
        Path cert = dir.resolve("cert.key");
        PemFiles.writeCertificates(cert, List.of(terminal.certificate()));
        Files.setPosixFilePermissions(cert, PosixFilePermissions.fromString("rw-------"));
        e = assertThrows(PkiException.class, () -> PemFiles.readPrivateKey(cert));
        assertTrue(e.getMessage().contains("holds a CERTIFICATE where a PKCS#8 PRIVATE KEY is expected"), e.getMessage());
        e = assertThrows(PkiException.class, () -> PemFiles.readCrl(pki.terminalCaFile()));
        assertTrue(e.getMessage().contains("where one X509 CRL is expected"), e.getMessage());
        e = assertThrows(PkiException.class, () -> PemFiles.readCertificate(terminal.certificateFile()));
        assertTrue(e.getMessage().contains("holds 2 certificates where one is expected"), e.getMessage());
    }

    @Test
    void an_encrypted_pkcs8_key_is_refused_with_a_clear_message() throws Exception {
        char[] passphrase = "correct horse".toCharArray();
        byte[] salt = new byte[16];
        new SecureRandom().nextBytes(salt);
        String alg = "PBEWithSHA1AndDESede"; // PKCS#12 PBE: old, but every JDK encrypts a PKCS#8 key with it
        Cipher cipher = Cipher.getInstance(alg);
        cipher.init(Cipher.ENCRYPT_MODE, SecretKeyFactory.getInstance(alg).generateSecret(new PBEKeySpec(passphrase)),
            new PBEParameterSpec(salt, 10_000));
        AlgorithmParameters params = cipher.getParameters();
        byte[] encrypted = new EncryptedPrivateKeyInfo(params, cipher.doFinal(terminal.key().getEncoded())).getEncoded();
        Path key = writePem(dir.resolve("enc.key"), new PemObject("ENCRYPTED PRIVATE KEY", encrypted));

        PkiException e = assertThrows(PkiException.class, () -> PemFiles.readPrivateKey(key));
        assertEquals(PkiException.Reason.FILE, e.reason());
        assertTrue(e.getMessage().contains("holds an encrypted PKCS#8 key (ENCRYPTED PRIVATE KEY), which vinbind does"
            + " not read"), e.getMessage());
        assertTrue(e.getMessage().contains("openssl pkcs8 -in " + key), e.getMessage());
    }

    @Test
    void a_traditional_key_is_refused_with_the_command_that_converts_it_and_an_encrypted_one_as_encrypted()
        throws Exception {
        Path sec1 = writePem(dir.resolve("sec1.key"), new PemObject("EC PRIVATE KEY", new byte[] {0x30, 0x00}));
        PkiException e = assertThrows(PkiException.class, () -> PemFiles.readPrivateKey(sec1));
        assertTrue(e.getMessage().contains("traditional EC PRIVATE KEY (SEC1/PKCS#1), not PKCS#8"), e.getMessage());
        assertTrue(e.getMessage().contains("openssl pkcs8 -topk8 -nocrypt -in " + sec1), e.getMessage());

        Path enc = dir.resolve("rsa-enc.key");
        Files.writeString(enc, "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,"
            + "00112233445566778899AABBCCDDEEFF\n\nMAA=\n-----END RSA PRIVATE KEY-----\n");
        Files.setPosixFilePermissions(enc, PosixFilePermissions.fromString("rw-------"));
        e = assertThrows(PkiException.class, () -> PemFiles.readPrivateKey(enc));
        assertTrue(e.getMessage().contains("holds an encrypted RSA PRIVATE KEY (Proc-Type: 4,ENCRYPTED)"), e.getMessage());
    }

    @Test
    void an_ec_parameters_block_before_the_key_is_skipped() throws Exception {
        Path key = dir.resolve("params.key");
        Files.writeString(key, "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"
            + Files.readString(terminal.keyFile()));
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        assertArrayEquals(terminal.key().getEncoded(), PemFiles.readPrivateKey(key).getEncoded());
    }

    @Test
    void a_certificate_block_with_garbage_inside_is_named_as_such() throws Exception {
        Path bad = writePem(dir.resolve("bad.pem"), new PemObject("CERTIFICATE", "not a certificate".getBytes(
            StandardCharsets.US_ASCII)));
        PkiException e = assertThrows(PkiException.class, () -> PemFiles.readCertificates(bad));
        assertTrue(e.getMessage().contains("holds a CERTIFICATE block that is not a valid X.509 certificate"), e.getMessage());
    }

    @Test
    void modes_print_as_octal() {
        assertEquals("0644", PemFiles.mode(PosixFilePermissions.fromString("rw-r--r--")));
        assertEquals("0600", PemFiles.mode(PosixFilePermissions.fromString("rw-------")));
        assertEquals("0751", PemFiles.mode(PosixFilePermissions.fromString("rwxr-x--x")));
    }

    private static Path writePem(Path file, PemObject object) throws Exception {
        StringWriter w = new StringWriter();
        try (PemWriter pem = new PemWriter(w)) {
            pem.writeObject(object);
        }
        Files.writeString(file, w.toString());
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }
}
