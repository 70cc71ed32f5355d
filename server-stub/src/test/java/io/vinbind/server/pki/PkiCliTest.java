package io.vinbind.server.pki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.server.cli.PkiCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code ./vinbind pki} driven through its command line, as the launcher runs it, with its exit codes. */
class PkiCliTest {

    @TempDir
    Path tmp;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        CommandLine cl = PkiCli.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @AfterEach
    void neverAKey() {
        assertFalse(out.toString().contains("PRIVATE KEY") || err.toString().contains("PRIVATE KEY"),
            "no key is ever printed:\n" + out + err);
    }

    @Test
    void help_explains_the_model_the_subcommands_and_the_exit_codes() {
        assertEquals(0, run("--help"));
        for (String s : List.of("init", "server", "service", "terminal", "revoke", "crl", "list", "OU=vinbind-terminal",
            "CN=svc:<name>", "0600", "docs/security.md", "Exit codes", "./vinbind pki init pki")) {
            assertTrue(out.toString().contains(s), "help mentions " + s + ":\n" + out);
        }
        assertEquals(0, run("terminal", "--help"));
        assertTrue(out.toString().contains("--valid-days"), out.toString());
    }

    @Test
    void init_issue_revoke_and_list_work_end_to_end() throws Exception {
        String dir = tmp.resolve("pki").toString();
        assertEquals(0, run("init", dir), err.toString());
        assertTrue(out.toString().startsWith("created a test PKI in " + dir), out.toString());
        assertTrue(out.toString().contains("terminal-ca.pem (key terminal-ca.key, 0600)"), out.toString());

        assertEquals(0, run("server", dir, "--name", "server-1", "--dns", "mqtt.example.com", "--ip", "192.0.2.10",
            "--ip", "::1"), err.toString());
        assertTrue(out.toString().contains("issued server certificate svc:server-1, serial "), out.toString());
        assertTrue(out.toString().contains("names       DNS:localhost, DNS:mqtt.example.com, IP:127.0.0.1, IP:192.0.2.10,"
            + " IP:0:0:0:0:0:0:0:1"), out.toString());
        assertEquals(0, run("service", dir, "--name", "factory"), err.toString());
        assertEquals(0, run("terminal", dir, "--id", "TBOX-0001"), err.toString());
        assertTrue(out.toString().contains("key         " + tmp.resolve("pki/terminals/TBOX-0001.key") + " (0600)"),
            out.toString());
        assertEquals(0, run("terminal", dir, "--id", "TBOX-0002", "--valid-days", "30"), err.toString());

        assertEquals(0, run("revoke", dir, "--terminal", "TBOX-0001"), err.toString());
        BigInteger serial = PemFiles.readCertificates(tmp.resolve("pki/terminals/TBOX-0001.pem")).get(0).getSerialNumber();
        assertTrue(out.toString().startsWith("revoked serial " + Certificates.hex(serial)), out.toString());
        assertTrue(out.toString().contains(": 1 revoked, next update"), out.toString());

        assertEquals(0, run("list", dir), err.toString());
        String[] lines = out.toString().split("\n");
        assertTrue(lines[0].matches("KIND +NAME +SERIAL +NOT AFTER +REVOKED"), lines[0]);
        assertEquals(7, lines.length, out.toString());
        assertTrue(lines[1].startsWith("terminal-ca  vinbind test terminal CA "), lines[1]);
        assertTrue(lines[2].startsWith("service-ca   vinbind test service CA "), lines[2]);
        assertTrue(lines[3].matches("service +svc:factory .* no"), lines[3]);
        assertTrue(lines[4].matches("service +svc:server-1 .* no"), lines[4]);
        assertTrue(lines[5].matches("terminal +TBOX-0001 +" + Certificates.hex(serial) + " .* yes"), lines[5]);
        assertTrue(lines[6].matches("terminal +TBOX-0002 .* no"), lines[6]);

        assertEquals(0, run("revoke", dir, "--serial", "0A:BC"), err.toString());
        assertEquals(0, run("revoke", dir, "--service", "factory"), err.toString());
        assertEquals(0, run("crl", dir), err.toString());
        assertTrue(out.toString().contains("vinbind test terminal CA") && out.toString().contains(": 2 revoked"), out.toString());
        assertTrue(out.toString().contains("vinbind test service CA") && out.toString().contains(": 1 revoked"), out.toString());
        assertEquals(3, TestPki.open(tmp.resolve("pki")).revokedSerials().size());
    }

    @Test
    void bad_arguments_exit_2_with_one_line_on_stderr() throws Exception {
        String dir = tmp.resolve("pki").toString();
        assertEquals(0, run("init", dir));
        assertUsage(run("terminal", dir, "--id", "fleet/+"), "is not 1-64 of A-Z a-z 0-9 . _ -");
        assertUsage(run("terminal", dir, "--id", "T#1"), "never an MQTT wildcard");
        assertUsage(run("terminal", dir, "--id", "svc:server"), "which marks a service");
        assertUsage(run("terminal", dir, "--id", "T1", "--valid-days", "0"), "--valid-days 0 is not 1-36500");
        assertUsage(run("terminal", dir), "Missing required option: '--id=TERMINAL_ID'");
        assertUsage(run("server", dir, "--name", "s", "--ip", "mqtt.example.com"), "is not an IPv4 or IPv6 address");
        assertUsage(run("server", dir, "--name", "s", "--dns", "under_score.example"), "is not a host name");
        assertUsage(run("revoke", dir), "Missing required argument");
        assertUsage(run("revoke", dir, "--terminal", "T1", "--serial", "AB"), "mutually exclusive");
        assertUsage(run("revoke", dir, "--serial", "xyz"), "is not 1-40 hex digits");
        assertUsage(run("bogus"), "Unmatched argument");
        assertUsage(run(), "a subcommand is needed");
        assertFalse(Files.exists(tmp.resolve("pki/terminals/T1.pem")), "nothing issued on a bad command line");
    }

    @Test
    void failures_exit_1_with_one_line_on_stderr() throws Exception {
        String dir = tmp.resolve("pki").toString();
        assertFailure(run("list", tmp.resolve("absent").toString()), "no PKI in ");
        assertEquals(0, run("init", dir));
        assertFailure(run("init", dir), "already has a CA (terminal-ca.pem)");
        assertFailure(run("revoke", dir, "--terminal", "T9"), "no certificate for terminal T9");
        Files.setPosixFilePermissions(tmp.resolve("pki/service-ca.key"),
            java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw----"));
        assertFailure(run("service", dir, "--name", "tool"), "has mode 0660");
    }

    private void assertUsage(int exit, String fragment) {
        assertEquals(2, exit, "exit code; stderr: " + err);
        assertOneLine(fragment);
    }

    private void assertFailure(int exit, String fragment) {
        assertEquals(1, exit, "exit code; stderr: " + err);
        assertOneLine(fragment);
    }

    private void assertOneLine(String fragment) {
        String e = err.toString();
        assertTrue(e.startsWith("vinbind pki"), e);
        assertEquals(1, e.strip().lines().count(), "one line: " + e);
        assertTrue(e.contains(fragment), "'" + fragment + "' in: " + e);
    }
}
