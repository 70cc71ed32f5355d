package io.vinbind.terminal.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vinbind.terminal.testsupport.TestCerts;
import io.vinbind.terminal.testsupport.TestCerts.Issued;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Certificates and keys read from PEM with the JDK alone, and everything else refused with a useful message. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class PemFilesTest {

    @TempDir
    Path dir;

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    CredentialException refusedKey(Path file) {
        return assertThrows(CredentialException.class, () -> PemFiles.readPrivateKey(file));
    }

    // ---------------------------------------------------------------- keys the daemon reads

    @Test
    void an_ec_pkcs8_key_is_read() throws Exception {
        KeyPair keys = TestCerts.ecKeys();
        Path file = TestCerts.writePkcs8(dir.resolve("ec.key"), keys.getPrivate(), "rw-------");
        PrivateKey read = PemFiles.readPrivateKey(file);
        assertEquals("EC", read.getAlgorithm());
        assertArrayEquals(keys.getPrivate().getEncoded(), read.getEncoded());
    }

    @Test
    void an_rsa_pkcs8_key_is_read() throws Exception {
        KeyPair keys = TestCerts.rsaKeys();
        Path file = TestCerts.writePkcs8(dir.resolve("rsa.key"), keys.getPrivate(), "rw-------");
        PrivateKey read = PemFiles.readPrivateKey(file);
        assertEquals("RSA", read.getAlgorithm());
        assertArrayEquals(keys.getPrivate().getEncoded(), read.getEncoded());
    }

    @Test
    void ec_parameters_beside_the_key_and_text_around_the_blocks_are_skipped_and_crlf_is_fine() throws Exception {
        KeyPair keys = TestCerts.ecKeys();
        String text = "Key for TBOX-0001\r\n"
                + "-----BEGIN EC PARAMETERS-----\r\nBggqhkjOPQMBBw==\r\n-----END EC PARAMETERS-----\r\n"
                + pem("PRIVATE KEY", keys.getPrivate().getEncoded()).replace("\n", "\r\n") + "trailing words\r\n";
        Path file = TestCerts.write(dir.resolve("params.key"), text, "rw-------");
        assertArrayEquals(keys.getPrivate().getEncoded(), PemFiles.readPrivateKey(file).getEncoded());
    }

    // ---------------------------------------------------------------- keys the daemon refuses

    @Test
    void an_encrypted_pkcs8_key_is_refused_naming_the_conversion() throws Exception {
        Path file = TestCerts.writeEncryptedPkcs8(dir.resolve("enc.key"), TestCerts.ecKeys().getPrivate(), "pass");
        CredentialException e = refusedKey(file);
        assertEquals(file, e.file());
        assertEquals(file + " holds an encrypted PKCS#8 key (ENCRYPTED PRIVATE KEY); the terminal reads unencrypted "
                + "PKCS#8 keys protected by the file's permissions (0600). Convert it with: openssl pkcs8 -topk8 "
                + "-nocrypt -in " + file + " -out NEW.key (asks for the passphrase)", e.getMessage());
    }

    @Test
    void an_encrypted_traditional_key_is_refused_naming_the_conversion() throws Exception {
        Path file = TestCerts.writeEncryptedTraditional(dir.resolve("enc-sec1.key"), TestCerts.ecKeys(), "pass");
        assertTrue(Files.readString(file).contains("Proc-Type: 4,ENCRYPTED"), "the fixture is what openssl writes");
        CredentialException e = refusedKey(file);
        assertTrue(e.getMessage().startsWith(file + " holds an encrypted traditional EC PRIVATE KEY (Proc-Type: "
                + "4,ENCRYPTED)"), e.getMessage());
        assertTrue(e.getMessage().contains("openssl pkcs8 -topk8 -nocrypt -in " + file), e.getMessage());
    }

    @Test
    void a_sec1_ec_key_is_refused_naming_the_conversion() throws Exception {
        Path file = TestCerts.writeTraditional(dir.resolve("sec1.key"), TestCerts.ecKeys());
        CredentialException e = refusedKey(file);
        assertEquals(file + " holds a traditional EC PRIVATE KEY (SEC1), not PKCS#8 (BEGIN PRIVATE KEY). Convert it "
                + "with: openssl pkcs8 -topk8 -nocrypt -in " + file + " -out NEW.key", e.getMessage());
    }

    @Test
    void a_pkcs1_rsa_key_is_refused_naming_the_conversion() throws Exception {
        Path file = TestCerts.writeTraditional(dir.resolve("pkcs1.key"), TestCerts.rsaKeys());
        CredentialException e = refusedKey(file);
        assertTrue(e.getMessage().startsWith(file + " holds a traditional RSA PRIVATE KEY (PKCS#1), not PKCS#8"),
                e.getMessage());
        assertTrue(e.getMessage().endsWith("openssl pkcs8 -topk8 -nocrypt -in " + file + " -out NEW.key"));
    }

    static int openssl(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(OPENSSL.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), "openssl hung: " + command);
        assertEquals(0, p.exitValue(), command + ": " + out);
        return p.exitValue();
    }

    static final Path OPENSSL = Path.of("/usr/bin/openssl");

    /** Runs the command a refusal names (with the passphrase given on the command line) and reads its output. */
    void convertAsTold(Path refused, String message, String... passin) throws Exception {
        String told = "openssl pkcs8 -topk8 -nocrypt -in " + refused + " -out NEW.key";
        assertTrue(message.contains(told), message);
        Path converted = dir.resolve("NEW.key");
        List<String> args = new java.util.ArrayList<>(List.of("pkcs8", "-topk8", "-nocrypt", "-in", refused.toString(),
                "-out", converted.toString()));
        args.addAll(List.of(passin));
        openssl(args.toArray(String[]::new));
        Files.setPosixFilePermissions(converted, PosixFilePermissions.fromString("rw-------"));
        assertEquals("EC", PemFiles.readPrivateKey(converted).getAlgorithm());
        Files.delete(converted);
    }

    @Test
    void the_conversion_a_refusal_names_turns_what_openssl_writes_into_a_key_the_daemon_reads() throws Exception {
        assumeTrue(Files.isExecutable(OPENSSL), "skipped: no openssl to make the keys and run the conversion with");
        Path sec1 = dir.resolve("sec1.key");
        openssl("ecparam", "-genkey", "-name", "prime256v1", "-out", sec1.toString()); // with EC PARAMETERS
        Files.setPosixFilePermissions(sec1, PosixFilePermissions.fromString("rw-------"));
        CredentialException traditional = refusedKey(sec1);
        assertTrue(traditional.getMessage().contains("holds a traditional EC PRIVATE KEY (SEC1)"));
        convertAsTold(sec1, traditional.getMessage());

        Path encrypted = dir.resolve("enc.key");
        openssl("pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", sec1.toString(), "-out", encrypted.toString(),
                "-passout", "pass:secret");
        Files.setPosixFilePermissions(encrypted, PosixFilePermissions.fromString("rw-------"));
        CredentialException enc = refusedKey(encrypted);
        assertTrue(enc.getMessage().contains("holds an encrypted PKCS#8 key (ENCRYPTED PRIVATE KEY)"));
        convertAsTold(encrypted, enc.getMessage(), "-passin", "pass:secret");
    }

    @Test
    void a_key_of_another_algorithm_is_refused() throws Exception {
        KeyPair ed = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        Path file = TestCerts.write(dir.resolve("ed.key"), pem("PRIVATE KEY", ed.getPrivate().getEncoded()),
                "rw-------");
        assertEquals(file + " holds a PRIVATE KEY block that is not a PKCS#8 EC or RSA key (the terminal reads P-256 "
                + "EC keys, and RSA)", refusedKey(file).getMessage());
    }

    @Test
    void a_private_key_block_of_garbage_is_refused() throws Exception {
        Path file = TestCerts.write(dir.resolve("junk.key"), pem("PRIVATE KEY", new byte[] {0x30, 3, 2, 1, 0}),
                "rw-------");
        assertTrue(refusedKey(file).getMessage().contains("is not a PKCS#8 EC or RSA key"));
    }

    @Test
    void a_certificate_where_the_key_belongs_is_refused() throws Exception {
        Issued ca = TestCerts.ca("CA");
        Path file = TestCerts.writeCerts(dir.resolve("swapped.key"), List.of(ca.certificate()));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        assertEquals(file + " holds a CERTIFICATE where a PKCS#8 PRIVATE KEY is expected (certificate and key files "
                + "swapped?)", refusedKey(file).getMessage());
    }

    @Test
    void another_pem_type_where_the_key_belongs_is_refused() throws Exception {
        Path file = TestCerts.write(dir.resolve("crl.key"), pem("X509 CRL", new byte[] {0x30, 0}), "rw-------");
        assertEquals(file + " holds a X509 CRL where a PKCS#8 PRIVATE KEY is expected", refusedKey(file).getMessage());
    }

    @Test
    void two_keys_in_one_file_are_refused() throws Exception {
        String two = pem("PRIVATE KEY", TestCerts.ecKeys().getPrivate().getEncoded())
                + pem("PRIVATE KEY", TestCerts.ecKeys().getPrivate().getEncoded());
        Path file = TestCerts.write(dir.resolve("two.key"), two, "rw-------");
        assertEquals(file + " holds 2 private keys where one is expected", refusedKey(file).getMessage());
    }

    // ---------------------------------------------------------------- permissions

    @ParameterizedTest
    @ValueSource(strings = {"rw-r--r--", "rw-r-----", "rw----r--", "rw--w----", "rw-----w-", "rwxrwxrwx", "r----x---"})
    void a_key_group_or_others_may_access_is_refused_naming_the_mode_and_chmod_600(String mode) throws Exception {
        Path file = TestCerts.writePkcs8(dir.resolve("open.key"), TestCerts.ecKeys().getPrivate(), mode);
        CredentialException e = refusedKey(file);
        String octal = PemFiles.mode(PosixFilePermissions.fromString(mode));
        assertEquals("key file " + file + " has mode " + octal + ": group or others may access it; it must be "
                + "readable by its owner only (chmod 600 " + file + ")", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"rw-------", "r--------", "rwx------"})
    void a_key_only_its_owner_may_access_is_read(String mode) throws Exception {
        Path file = TestCerts.writePkcs8(dir.resolve("own.key"), TestCerts.ecKeys().getPrivate(), mode);
        assertEquals("EC", PemFiles.readPrivateKey(file).getAlgorithm());
    }

    @Test
    void modes_are_written_in_octal() {
        assertEquals("0644", PemFiles.mode(PosixFilePermissions.fromString("rw-r--r--")));
        assertEquals("0600", PemFiles.mode(PosixFilePermissions.fromString("rw-------")));
        assertEquals("0777", PemFiles.mode(PosixFilePermissions.fromString("rwxrwxrwx")));
        assertEquals("0000", PemFiles.mode(PosixFilePermissions.fromString("---------")));
    }

    @Test
    void the_permissions_are_judged_before_the_content() throws Exception {
        Path file = TestCerts.write(dir.resolve("open-junk.key"), "not even PEM", "rw-rw-rw-");
        assertTrue(refusedKey(file).getMessage().startsWith("key file " + file + " has mode 0666"));
    }

    // ---------------------------------------------------------------- certificates and garbage

    @Test
    void certificates_are_read_in_file_order() throws Exception {
        Issued ca = TestCerts.ca("CA");
        Issued leaf = TestCerts.terminal(ca, "TBOX-0001");
        Path file = TestCerts.writeCerts(dir.resolve("chain.pem"), leaf.chain());
        List<X509Certificate> read = PemFiles.readCertificates(file);
        assertEquals(leaf.chain(), read);
    }

    @Test
    void a_key_in_a_certificate_file_is_refused() throws Exception {
        Path file = TestCerts.writePkcs8(dir.resolve("key.pem"), TestCerts.ecKeys().getPrivate(), "rw-------");
        CredentialException e = assertThrows(CredentialException.class, () -> PemFiles.readCertificates(file));
        assertEquals(file + " holds a PRIVATE KEY where only certificates belong (a key belongs in its own file, mode "
                + "0600)", e.getMessage());
    }

    @Test
    void a_certificate_block_of_garbage_is_refused() throws Exception {
        Path file = TestCerts.write(dir.resolve("bad.pem"), pem("CERTIFICATE", new byte[] {0x30, 3, 1, 1, 0}),
                "rw-r--r--");
        CredentialException e = assertThrows(CredentialException.class, () -> PemFiles.readCertificates(file));
        assertTrue(e.getMessage().startsWith(file + " holds a CERTIFICATE block that is not an X.509 certificate: "),
                e.getMessage());
    }

    @Test
    void a_file_that_is_not_pem_is_refused_and_der_is_recognised() throws Exception {
        Path text = TestCerts.write(dir.resolve("text.pem"), "hello\n", "rw-r--r--");
        assertEquals(text + " is not PEM (no -----BEGIN line); expected certificates (-----BEGIN CERTIFICATE-----)",
                assertThrows(CredentialException.class, () -> PemFiles.readCertificates(text)).getMessage());
        Path der = dir.resolve("cert.der");
        Files.write(der, TestCerts.ca("CA").certificate().getEncoded());
        CredentialException e = assertThrows(CredentialException.class, () -> PemFiles.readCertificates(der));
        assertTrue(e.getMessage().contains("It looks like binary DER: convert it to PEM (openssl x509 -inform DER -in "
                + der + " -out NEW.pem"), e.getMessage());
        Path empty = TestCerts.write(dir.resolve("empty.pem"), "", "rw-r--r--");
        assertTrue(assertThrows(CredentialException.class, () -> PemFiles.readCertificates(empty)).getMessage()
                .contains("is not PEM"));
    }

    @Test
    void broken_pem_is_refused_naming_the_line() throws Exception {
        String cert = pem("CERTIFICATE", TestCerts.ca("CA").certificate().getEncoded());
        Path noEnd = TestCerts.write(dir.resolve("noend.pem"), cert.substring(0, cert.indexOf("-----END")),
                "rw-r--r--");
        assertEquals(noEnd + " is not valid PEM (RFC 7468): the CERTIFICATE block of line 1 has no -----END "
                + "CERTIFICATE----- line", assertThrows(CredentialException.class,
                        () -> PemFiles.readCertificates(noEnd)).getMessage());
        Path mismatch = TestCerts.write(dir.resolve("mismatch.pem"), cert.replace("END CERTIFICATE", "END PRIVATE KEY"),
                "rw-r--r--");
        assertTrue(assertThrows(CredentialException.class, () -> PemFiles.readCertificates(mismatch)).getMessage()
                .contains("ends a PRIVATE KEY block, but line 1 began a CERTIFICATE block"));
        Path notBase64 = TestCerts.write(dir.resolve("b64.pem"), "-----BEGIN CERTIFICATE-----\nMII*@!\n"
                + "-----END CERTIFICATE-----\n", "rw-r--r--");
        assertTrue(assertThrows(CredentialException.class, () -> PemFiles.readCertificates(notBase64)).getMessage()
                .contains("the CERTIFICATE block of line 1 is not base64"));
    }

    @Test
    void missing_files_and_directories_are_refused() throws Exception {
        Path missing = dir.resolve("missing.pem");
        assertEquals("no such file: " + missing, assertThrows(CredentialException.class,
                () -> PemFiles.readCertificates(missing)).getMessage());
        assertEquals("no such file: " + missing, refusedKey(missing).getMessage());
        assertEquals(dir + " is a directory, not a PEM file", assertThrows(CredentialException.class,
                () -> PemFiles.readCertificates(dir)).getMessage());
    }

    @Test
    void control_characters_in_a_path_are_escaped_in_the_message() throws Exception {
        Path odd = dir.resolve("odd\u0007name.pem");
        CredentialException e = assertThrows(CredentialException.class, () -> PemFiles.readCertificates(odd));
        assertTrue(e.getMessage().endsWith("odd\\x07name.pem"), e.getMessage());
    }
}
