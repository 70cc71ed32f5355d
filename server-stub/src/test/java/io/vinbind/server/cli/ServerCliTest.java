package io.vinbind.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.server.Fixtures;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ServerCliTest {

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = ServerCli.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void help_explains_the_defaults_the_options_and_the_subcommand() {
        assertEquals(0, run("--help"));
        String help = out.toString();
        for (String s : new String[] {"--mqtt", "--mqtt-port", "--http-port", "--data", "--db", "--rebind-policy",
            "--vin-check", "import-modems", "18830", "embedded"}) {
            assertTrue(help.contains(s), "help mentions " + s + ":\n" + help);
        }
    }

    @Test
    void a_bad_option_value_is_refused_with_a_reason_and_exit_code_2() {
        assertEquals(2, run("--rebind-policy", "sometimes"));
        assertTrue(err.toString().contains("not auto, hold or reject"), err.toString());
    }

    @Test
    void a_webhook_that_is_not_https_is_refused_before_anything_starts() {
        Path data = dir.resolve("hook-data");
        assertEquals(2, run("--presence-webhook", "http://backend.example/hooks", "--data", data.toString(),
            "--http-port", "0"), err.toString());
        assertTrue(err.toString().contains("--presence-webhook: webhook http://backend.example/hooks is not https://"),
            err.toString());
        assertTrue(!Files.exists(data.resolve("pki")), "refused before anything was set up");
    }

    /** Used to start on the external broker as if the option were not there (or fail later, with exit 1). */
    @Test
    void insecure_plaintext_with_an_external_broker_is_a_bad_command_line() throws Exception {
        Path data = dir.resolve("data");
        assertEquals(2, run("--insecure-plaintext", "--mqtt", "tcp://127.0.0.1:1", "--data", data.toString(),
            "--http-port", "0"), err.toString());
        assertTrue(err.toString().contains("--insecure-plaintext") && err.toString().contains("--mqtt"), err.toString());
        assertTrue(!Files.exists(data.resolve("pki")), "refused before anything was set up");
    }

    @Test
    void every_mosquitto_config_example_in_the_help_gives_the_required_pki_directory() {
        assertEquals(0, run("--help"));
        java.util.List<String> examples = out.toString().lines().filter(l -> l.contains("mosquitto-config")
            && l.trim().startsWith("./vinbind")).toList();
        assertTrue(!examples.isEmpty(), out.toString());
        for (String example : examples) {
            assertTrue(example.contains("--pki ") && example.contains("--out "), example);
        }
    }

    @Test
    void import_modems_reports_every_line_and_exits_3_when_some_were_rejected() throws Exception {
        String imsi = Fixtures.imsi(1);
        Path csv = dir.resolve("modems.csv");
        Files.writeString(csv, "imsi,iccid,imei\n" + imsi + "," + Fixtures.iccidOf(imsi) + "," + Fixtures.imeiOf(imsi)
            + "\nnot-an-imsi,,\n");
        Path data = dir.resolve("data");
        assertEquals(3, run("import-modems", csv.toString(), "--data", data.toString()));
        assertTrue(out.toString().contains("line 2: " + imsi + " ADDED"), out.toString());
        assertTrue(out.toString().contains("line 3: not-an-imsi REJECTED (imsi 'not-an-imsi' is not"), out.toString());
        assertTrue(out.toString().contains("1 added, 0 unchanged, 0 updated, 1 rejected"), out.toString());

        Files.writeString(csv, "imsi\n" + imsi + "\n");
        out.getBuffer().setLength(0);
        assertEquals(0, run("import-modems", csv.toString(), "--data", data.toString()));
        assertTrue(out.toString().contains("line 2: " + imsi + " UNCHANGED"),
            "columns the file lacks keep the stored ICCID and IMEI: " + out);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void import_modems_rejects_a_time_out_of_range_on_its_line_imports_the_others_and_exits_3() throws Exception {
        String a = Fixtures.imsi(1);
        String b = Fixtures.imsi(2);
        String c = Fixtures.imsi(3);
        Path csv = dir.resolve("modems.csv");
        Files.writeString(csv, "imsi,batch,registered_at\n"
            + a + ",B-1,2026-11-01T08:00:00Z\n"
            + b + ",B-1,+1000000000-12-31T23:59:59Z\n"   // used to end the import with exit 1 after line 2
            + c + ",\"B-1,\nB-2\",\n"                     // a quoted field over two lines: one record
            + Fixtures.imsi(4) + ",B-1,\n");
        Path data = dir.resolve("data");
        assertEquals(3, run("import-modems", csv.toString(), "--data", data.toString()), err.toString());
        String report = out.toString();
        assertTrue(report.contains("line 2: " + a + " ADDED"), report);
        assertTrue(report.contains("line 3: " + b + " REJECTED (registered_at '+1000000000-12-31T23:59:59Z' is outside "
            + "2000-01-01T00:00:00Z .. 2099-12-31T23:59:59Z)"), report);
        assertTrue(report.contains("line 4: " + c + " REJECTED (batch 'B-1,\\nB-2' must be"), report);
        assertTrue(report.contains("line 6: " + Fixtures.imsi(4) + " ADDED"), report);
        assertTrue(report.contains("2 added, 0 unchanged, 0 updated, 2 rejected"), report);
        assertEquals("", err.toString());
    }

    @Test
    void import_modems_fails_with_one_line_on_stderr_for_a_missing_file_or_header() throws Exception {
        assertEquals(1, run("import-modems", dir.resolve("absent.csv").toString(), "--data", dir.toString()));
        assertTrue(err.toString().startsWith("vinbind server import-modems: no such file"), err.toString());
        Path csv = dir.resolve("bad.csv");
        Files.writeString(csv, "serial,colour\n1,red\n");
        assertEquals(1, run("import-modems", csv.toString(), "--data", dir.toString()));
        assertTrue(err.toString().contains("unknown column 'serial'"), err.toString());
    }
}
