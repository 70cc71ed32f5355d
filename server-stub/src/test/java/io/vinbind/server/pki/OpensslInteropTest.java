package io.vinbind.server.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The outsider's view: OpenSSL (what Mosquitto and most terminal stacks are built on) reads the PKI's files and
 * draws the same conclusions. Skipped, with the reason, where {@code openssl} is not on PATH.
 */
class OpensslInteropTest {

    @TempDir
    static Path tmp;

    static Path dir;
    static TestPki pki;
    static TestPki.Issued t1;
    static TestPki.Issued t2;

    @BeforeAll
    static void createPki() throws Exception {
        assumeTrue(opensslVersion() != null, "skipped: openssl is not on PATH (it checks the files as another tool would)");
        dir = tmp.resolve("pki");
        pki = TestPki.create(dir);
        t1 = pki.issueTerminal("T1");
        t2 = pki.issueTerminal("T2");
        pki.issueServer("server", List.of("mqtt.example.com"), List.of(InetAddress.getByName("192.0.2.10")));
        pki.issueService("tool");
        pki.revokeTerminal("T2");
    }

    @Test
    void openssl_verifies_a_terminal_certificate_against_the_terminal_ca() throws Exception {
        Result r = openssl("verify", "-CAfile", "terminal-ca.pem", "terminals/T1.pem");
        assertEquals(0, r.exit, r.output);
        assertTrue(r.output.contains("terminals/T1.pem: OK"), r.output);
    }

    @Test
    void openssl_reads_the_terminal_certificate_as_the_model_says() throws Exception {
        Result r = openssl("x509", "-noout", "-text", "-in", "terminals/T1.pem");
        assertEquals(0, r.exit, r.output);
        for (String expected : List.of("Subject: OU = vinbind-terminal, CN = T1", "ecdsa-with-SHA256", "NIST CURVE: P-256",
            "X509v3 Basic Constraints: critical", "CA:FALSE", "X509v3 Key Usage: critical", "Digital Signature",
            "X509v3 Extended Key Usage", "TLS Web Client Authentication", "X509v3 Subject Key Identifier",
            "X509v3 Authority Key Identifier")) {
            assertTrue(r.output.contains(expected), "'" + expected + "' in:\n" + r.output);
        }
        assertFalse(r.output.contains("TLS Web Server Authentication"), r.output);
        assertFalse(r.output.contains("Key Encipherment"), r.output);
    }

    @Test
    void openssl_reads_the_cas_as_path_length_zero_certificate_and_crl_signers() throws Exception {
        for (String ca : List.of("terminal-ca.pem", "service-ca.pem")) {
            Result r = openssl("x509", "-noout", "-text", "-in", ca);
            assertEquals(0, r.exit, r.output);
            assertTrue(r.output.contains("CA:TRUE, pathlen:0"), r.output);
            assertTrue(r.output.contains("Certificate Sign, CRL Sign"), r.output);
            assertTrue(r.output.contains("X509v3 Authority Key Identifier"), r.output);
        }
    }

    @Test
    void openssl_accepts_the_server_certificate_for_tls_servers_with_its_names() throws Exception {
        Result v = openssl("verify", "-CAfile", "service-ca.pem", "-purpose", "sslserver", "services/server.pem");
        assertEquals(0, v.exit, v.output);
        Result c = openssl("verify", "-CAfile", "service-ca.pem", "-purpose", "sslclient", "services/server.pem");
        assertEquals(0, c.exit, "the server is also an MQTT client: " + c.output);
        Result r = openssl("x509", "-noout", "-text", "-in", "services/server.pem");
        for (String expected : List.of("Subject: OU = vinbind-service, CN = svc:server",
            "TLS Web Server Authentication, TLS Web Client Authentication", "DNS:localhost", "DNS:mqtt.example.com",
            "IP Address:127.0.0.1", "IP Address:192.0.2.10")) {
            assertTrue(r.output.contains(expected), "'" + expected + "' in:\n" + r.output);
        }
    }

    @Test
    void openssl_refuses_a_terminal_certificate_as_a_server_and_a_foreign_terminal() throws Exception {
        Result asServer = openssl("verify", "-CAfile", "terminal-ca.pem", "-purpose", "sslserver", "terminals/T1.pem");
        assertNotEquals(0, asServer.exit, asServer.output);
        assertTrue(asServer.output.contains("certificate purpose"), asServer.output); // "unsuitable" (3.0) or "unsupported"

        TestPki foreign = TestPki.create(tmp.resolve("foreign"));
        foreign.issueTerminal("T1");
        Result stranger = openssl("verify", "-CAfile", "terminal-ca.pem", tmp.resolve("foreign/terminals/T1.pem").toString());
        assertNotEquals(0, stranger.exit, stranger.output);
        assertTrue(stranger.output.contains("unable to get local issuer certificate"), stranger.output);
    }

    @Test
    void openssl_finds_the_revoked_terminal_in_the_crl_and_both_cas_in_the_bundle() throws Exception {
        Result revoked = openssl("verify", "-crl_check", "-CAfile", "terminal-ca.pem", "-CRLfile", "crls.pem",
            "terminals/T2.pem");
        assertNotEquals(0, revoked.exit, revoked.output);
        assertTrue(revoked.output.contains("certificate revoked"), revoked.output);
        Result good = openssl("verify", "-crl_check", "-CAfile", "terminal-ca.pem", "-CRLfile", "crls.pem",
            "terminals/T1.pem");
        assertEquals(0, good.exit, good.output);
        // a broker that checks CRLs needs one for the issuer of every client, servers and tools included
        Result tool = openssl("verify", "-crl_check", "-CAfile", "service-ca.pem", "-CRLfile", "crls.pem",
            "services/tool.pem");
        assertEquals(0, tool.exit, tool.output);

        Result crl = openssl("crl", "-noout", "-text", "-in", "terminal-ca.crl.pem");
        assertEquals(0, crl.exit, crl.output);
        // openssl prints whole bytes (a serial whose first byte is below 0x10 gets a leading 0), the hex here does not
        assertTrue(java.util.regex.Pattern.compile("Serial Number: 0?" + Certificates.hex(t2.certificate().getSerialNumber())
            + "\\b").matcher(crl.output).find(), crl.output);
        assertTrue(crl.output.contains("X509v3 CRL Number"), crl.output);
        assertTrue(crl.output.contains("X509v3 Authority Key Identifier"), crl.output);
        assertTrue(crl.output.contains("Next Update"), crl.output);
    }

    @Test
    void openssl_reads_the_pkcs8_key_and_it_belongs_to_the_certificate() throws Exception {
        assertTrue(Files.readString(t1.keyFile()).startsWith("-----BEGIN PRIVATE KEY-----"));
        Result key = openssl("pkey", "-in", "terminals/T1.key", "-pubout");
        Result cert = openssl("x509", "-in", "terminals/T1.pem", "-pubkey", "-noout");
        assertEquals(0, key.exit, key.output);
        assertTrue(key.output.contains("-----BEGIN PUBLIC KEY-----"), key.output);
        assertEquals(cert.output, key.output);
    }

    @Test
    void openssl_opens_the_pkcs12_key_store_with_the_password_from_a_file() throws Exception {
        char[] password = TlsMaterial.randomPassword();
        Path store = TlsMaterial.writePkcs12(dir.resolve("server.p12"), dir.resolve("services/server.pem"),
            dir.resolve("services/server.key"), password);
        Path passwordFile = dir.resolve("server.p12.pass");
        Files.writeString(passwordFile, new String(password) + "\n");
        Files.setPosixFilePermissions(passwordFile, PosixFilePermissions.fromString("rw-------"));
        Result r = openssl("pkcs12", "-in", store.getFileName().toString(), "-passin", "file:server.p12.pass", "-nokeys");
        assertEquals(0, r.exit, r.output);
        assertTrue(r.output.contains("subject=OU = vinbind-service, CN = svc:server"), r.output);
        assertTrue(r.output.contains("-----BEGIN CERTIFICATE-----"), r.output);
    }

    private record Result(int exit, String output) {
    }

    private static Result openssl(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("openssl " + String.join(" ", args) + " did not finish within 30 s");
        }
        return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    private static String opensslVersion() {
        try {
            Process p = new ProcessBuilder("openssl", "version").redirectErrorStream(true).start();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            return p.exitValue() == 0 ? new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip() : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
