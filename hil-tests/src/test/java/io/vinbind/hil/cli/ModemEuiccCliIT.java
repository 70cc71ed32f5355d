package io.vinbind.hil.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vinbind.esim.pki.TestPki;
import io.vinbind.hil.euicc.EuiccWiring;
import io.vinbind.modem.cli.ModemCli;
import io.vinbind.modem.cli.ModemSimCli;
import io.vinbind.modem.link.JSerialCommLink;
import io.vinbind.modem.link.SerialConfig;
import io.vinbind.modem.link.SocatPtyPair;
import io.vinbind.modem.sim.LpacAtDriver;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The workshop's command lines end to end, each a real process: {@code sim modem --euicc DIR} (with an identity as
 * {@code esim pki init} writes it and two factory profiles) serving one end of a socat pty pair; {@code modem euicc
 * info|profiles} and {@code modem apdu} on the other end; lpac's AT command forms against the same simulator, byte for
 * byte; and the {@code ./vinbind} launcher's dispatch of {@code modem euicc} when its build is current.
 */
class ModemEuiccCliIT {

    private static final Path MODULE = Path.of(System.getProperty("user.dir"));
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FIRST = "8949000000000003001";
    private static final String SECOND = "8949000000000003002";

    @TempDir
    Path dir;
    private SocatPtyPair pty;
    private Path modemEnd;
    private Path terminalEnd;
    private Path pkiDir;
    private String eid;
    private final List<Process> processes = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        assumeTrue(SocatPtyPair.socatAvailable(), "skipped: socat is not on the PATH (needed for a pty pair)");
        assumeTrue(Files.exists(MODULE.resolve("target/classpath.txt")),
                "skipped: target/classpath.txt missing (written at package time; run mvn verify)");
        modemEnd = dir.resolve("modem");
        terminalEnd = dir.resolve("terminal");
        pty = SocatPtyPair.start(modemEnd, terminalEnd);
        pkiDir = dir.resolve("pki");
        TestPki pki = TestPki.create(TestPki.DEFAULT_SMDP_ADDRESS, 1); // what ./vinbind esim pki init DIR writes
        pki.writeTo(pkiDir);
        eid = pki.eids().get(0);
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        for (Process p : processes) {
            p.destroy();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
        if (pty != null) {
            pty.close();
        }
    }

    /** Starts the simulator process and waits until it answers {@code status}; returns that status. */
    private JsonNode startSim(String main, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(main, "--pty", modemEnd.toString(), "--search-time", "100ms"));
        cmd.addAll(List.of(args));
        Process sim = start(cmd);
        processes.add(sim);
        Writer control = new OutputStreamWriter(sim.getOutputStream(), StandardCharsets.UTF_8);
        BufferedReader replies = new BufferedReader(new InputStreamReader(sim.getInputStream(), StandardCharsets.UTF_8));
        control.write("status\n");
        control.flush();
        String line = replies.readLine();
        assertTrue(line != null && line.startsWith("{"), "simulator status: " + line);
        return JSON.readTree(line);
    }

    private JsonNode startEuiccSim() throws IOException {
        return startSim(EuiccSimModemCli.class.getName(), "--euicc", pkiDir.toString(),
                "--profile", FIRST + ",262010000003001,enabled", "--profile", SECOND + ",262010000003002");
    }

    @Test
    void sim_modem_with_an_euicc_then_modem_euicc_info_and_profiles() throws Exception {
        JsonNode status = startEuiccSim();
        assertEquals("eUICC " + eid, status.get("card").asText());
        assertEquals("262010000003001", status.get("imsi").asText(), "AT+CIMI follows the enabled profile");
        assertEquals(FIRST, status.get("iccid").asText());

        Result info = run(List.of(ModemEuiccCli.class.getName(), "info", "--port", terminalEnd.toString()));
        assertEquals(0, info.exit, info.stderr);
        JsonNode i = JSON.readTree(info.stdout);
        assertEquals(eid, i.get("eid").asText());
        assertEquals("LOGICAL_CHANNEL", i.get("path").asText());
        assertEquals("2.2.2", i.at("/euiccInfo2/svn").asText());
        assertEquals("2.3.1", i.at("/euiccInfo2/profileVersion").asText());
        assertTrue(i.at("/euiccInfo2/freeNonVolatileMemory").asLong() > 0, info.stdout);
        assertEquals(1, i.at("/euiccInfo2/ciPkIdsForVerification").size());

        Result profiles = run(List.of(ModemEuiccCli.class.getName(), "profiles", "--port", terminalEnd.toString()));
        assertEquals(0, profiles.exit, profiles.stderr);
        JsonNode list = JSON.readTree(profiles.stdout).get("profiles");
        assertEquals(2, list.size(), profiles.stdout);
        assertEquals(FIRST, list.get(0).get("iccid").asText());
        assertEquals("enabled", list.get(0).get("state").asText());
        assertEquals("vinbind", list.get(0).get("name").asText());
        assertEquals("", list.get(0).get("nickname").asText());
        assertEquals(SECOND, list.get(1).get("iccid").asText());
        assertEquals("disabled", list.get(1).get("state").asText());
    }

    @Test
    void modem_apdu_sends_es10_get_eid_and_prints_the_response_with_its_status_word() throws Exception {
        startEuiccSim();
        // STORE DATA (last block 0) carrying GetEuiccData BF3E { 5C tagList 5A }; the eUICC answers 61xx, the
        // channel fetches it: BF3E 12 { 5A 10 <EID> } and 9000
        Result r = run(List.of(ModemCli.class.getName(), "apdu", "--port", terminalEnd.toString(), "--aid", EuiccWiring.ISD_R,
                "80E2910006BF3E035C015A"));
        assertEquals(0, r.exit, r.stderr);
        assertEquals("BF3E125A10" + eid + " 9000", r.stdout.strip());
    }

    @Test
    void lpac_command_forms_work_against_the_simulator_process_byte_for_byte() throws Exception {
        startEuiccSim();
        try (JSerialCommLink link = JSerialCommLink.open(SerialConfig.of(terminalEnd.toString()))) {
            LpacAtDriver lpac = new LpacAtDriver(link, Duration.ofSeconds(10));
            assertEquals("AT\r\r\nOK\r\n", lpac.command("AT", null).received());
            for (String probe : List.of("AT+CCHO=?", "AT+CCHC=?", "AT+CGLA=?")) {
                assertEquals(probe + "\r\r\nOK\r\n", lpac.command(probe, null).received());
            }
            String aid = EuiccWiring.ISD_R.toLowerCase(Locale.ROOT);
            LpacAtDriver.Exchange open = lpac.command("AT+CCHO=\"" + aid + "\"", "+CCHO: ");
            assertEquals("AT+CCHO=\"" + aid + "\"\r\r\n+CCHO: 1\r\n\r\nOK\r\n", open.received());
            // GetEID as lpac frames it on its channel 1: 81 E2 91 00 06 BF3E035C015A; the eUICC answers 61 15
            LpacAtDriver.Exchange store = lpac.command("AT+CGLA=1,22,\"81e2910006bf3e035c015a\"", "+CGLA: ");
            assertEquals("AT+CGLA=1,22,\"81e2910006bf3e035c015a\"\r\r\n+CGLA: 4,\"6115\"\r\n\r\nOK\r\n", store.received());
            byte[] eidAnswer = lpac.transmitCgla(open.value(), HexFormat.of().parseHex("81c0000015"));
            assertArrayEquals(HexFormat.of().parseHex("bf3e125a10" + eid + "9000"), eidAnswer);
            assertEquals("AT+CCHC=1\r\r\nOK\r\n", lpac.command("AT+CCHC=1", null).received());
        }
    }

    @Test
    void profiles_persist_in_the_state_file_across_simulator_runs() throws Exception {
        startEuiccSim();
        Process first = processes.remove(0);
        first.destroy();
        assertTrue(first.waitFor(10, TimeUnit.SECONDS));
        assertTrue(Files.exists(pkiDir.resolve("euicc-" + eid + ".state.json")));
        JsonNode again = startSim(EuiccSimModemCli.class.getName(), "--euicc", pkiDir.toString());
        assertEquals("262010000003001", again.get("imsi").asText(), "without --profile: the profiles are the state file's");
    }

    @Test
    void modem_euicc_on_a_sim_that_is_not_an_euicc_exits_6() throws Exception {
        startSim(ModemSimCli.class.getName()); // the plain USIM
        Result r = run(List.of(ModemEuiccCli.class.getName(), "info", "--port", terminalEnd.toString()));
        assertEquals(6, r.exit, r.stderr);
        assertTrue(lastLine(r.stderr).startsWith("modem euicc info: the card has no ISD-R, it is not an eUICC"), r.stderr);
    }

    @Test
    void sim_modem_euicc_without_an_identity_is_a_usage_error() throws Exception {
        Result r = run(List.of(EuiccSimModemCli.class.getName(), "--euicc", dir.resolve("empty").toString(),
                "--pty", modemEnd.toString()));
        assertEquals(2, r.exit, r.stderr);
        assertTrue(lastLine(r.stderr).startsWith("sim modem --euicc: "), r.stderr);
    }

    @Test
    void launcher_dispatches_modem_euicc_to_hil_tests_when_its_build_is_current() throws Exception {
        Path launcher = MODULE.getParent().resolve("vinbind");
        assumeTrue(Files.isExecutable(launcher), "skipped: no ./vinbind launcher at " + launcher);
        startEuiccSim();
        List<String> cmd = List.of(launcher.toString(), "modem", "euicc", "profiles", "--port", terminalEnd.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("VINBIND_NO_BUILD", "1"); // never start a nested Maven build from a test
        pb.environment().put("VINBIND_LOG_LEVEL", "warn");
        Result r = finish(pb.start(), cmd);
        assumeTrue(!(r.exit == 2 && r.stderr.contains("VINBIND_NO_BUILD")),
                "skipped: the launcher's build output is older than the sources (it would rebuild the whole project);"
                        + " the same main class is run directly by sim_modem_with_an_euicc_then_modem_euicc_info_and_profiles");
        assertEquals(0, r.exit, r.stderr);
        assertEquals(2, JSON.readTree(r.stdout).get("profiles").size(), r.stdout);
    }

    // ------------------------------------------------------------------ child processes

    private record Result(int exit, String stdout, String stderr) {
    }

    private static String lastLine(String s) {
        String[] l = s.strip().split("\n");
        return l[l.length - 1];
    }

    private Process start(List<String> mainAndArgs) throws IOException {
        String cp = MODULE.resolve("target/classes") + File.pathSeparator
                + Files.readString(MODULE.resolve("target/classpath.txt")).strip();
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dtinylog.writer=console", "-Dtinylog.writer.stream=err", "-Dtinylog.writer.level=info", "-cp", cp));
        cmd.addAll(mainAndArgs);
        return new ProcessBuilder(cmd).start();
    }

    private Result run(List<String> mainAndArgs) throws Exception {
        return finish(start(mainAndArgs), mainAndArgs);
    }

    private static Result finish(Process p, List<String> what) throws Exception {
        p.getOutputStream().close();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("process did not finish within 90 s: " + what);
        }
        return new Result(p.exitValue(), out.get(5, TimeUnit.SECONDS), err.get(5, TimeUnit.SECONDS));
    }

    private static String readAll(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "<read failed: " + e + ">";
        }
    }
}
