package io.vinbind.modem.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vinbind.modem.Modem;
import io.vinbind.modem.ModemConfig;
import io.vinbind.modem.RegistrationState;
import io.vinbind.modem.at.AtCommand;
import io.vinbind.modem.at.AtEngine;
import io.vinbind.modem.at.AtEngineConfig;
import io.vinbind.modem.at.AtEvent;
import io.vinbind.modem.link.JSerialCommLink;
import io.vinbind.modem.link.SerialConfig;
import io.vinbind.modem.link.SocatPtyPair;
import io.vinbind.modem.sim.Faults;
import io.vinbind.modem.sim.Identity;
import io.vinbind.modem.sim.ModemSimulator;
import io.vinbind.modem.sim.NetworkOutcome;
import io.vinbind.modem.sim.Persona;
import io.vinbind.modem.sim.ScriptedCard;
import io.vinbind.modem.sim.UiccFaults;
import io.vinbind.modem.sim.SimCard;
import io.vinbind.modem.sim.SimulatorConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code modem probe} and {@code modem apdu} against the simulator through a real pty pair made by socat, so the
 * kernel tty layer and jSerialComm are on the path exactly as with a USB modem.
 */
class ModemProbeIT {

    private static final Path MODULE = Path.of(System.getProperty("user.dir"));
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private SocatPtyPair pty;
    private Path modemEnd;
    private Path terminalEnd;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void ptyPair() throws IOException {
        assumeTrue(SocatPtyPair.socatAvailable(), "skipped: socat is not on the PATH (needed for a pty pair)");
        modemEnd = dir.resolve("modem");
        terminalEnd = dir.resolve("terminal");
        pty = SocatPtyPair.start(modemEnd, terminalEnd);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        if (pty != null) {
            pty.close();
        }
    }

    private ModemSimulator simOnPty(SimulatorConfig config) throws IOException {
        JSerialCommLink link = JSerialCommLink.open(SerialConfig.of(modemEnd.toString()));
        toClose.add(link);
        ModemSimulator sim = ModemSimulator.start(link, config);
        toClose.add(sim);
        return sim;
    }

    @Test
    void probe_logic_reads_everything_through_the_pty() throws Exception {
        simOnPty(SimulatorConfig.DEFAULT.withPersona(Persona.SIMCOM).withNetwork(NetworkOutcome.ROAMING, Duration.ofMillis(300))
                .withFaults(Faults.NONE.withUrcProbability(0.3).withSeed(7)));
        try (Modem modem = Modem.open(SerialConfig.of(terminalEnd.toString()), ModemConfig.DEFAULT)) {
            ProbeResult r = Probe.run(modem, Duration.ofSeconds(10));

            assertEquals(Identity.DEFAULT.imsi(), r.imsi());
            assertEquals(Identity.DEFAULT.iccid(), r.iccid());
            assertEquals(Identity.DEFAULT.imei(), r.imei());
            assertEquals(RegistrationState.ROAMING, r.registration().state());
            assertEquals("SIMCOM INCORPORATED", r.device().manufacturer());
            JsonNode j = JSON.readTree(r.toJson());
            assertEquals("ROAMING", j.get("registration").asText());
            assertEquals(-73, j.get("rssiDbm").asInt());
            assertEquals("CHINA MOBILE", j.get("operator").asText());
        }
    }

    @Test
    void real_probe_process_prints_one_json_object_and_exits_0() throws Exception {
        simOnPty(SimulatorConfig.DEFAULT.withNetwork(NetworkOutcome.HOME, Duration.ofMillis(200)));

        Result r = run(List.of(ModemCli.class.getName(), "probe", "--port", terminalEnd.toString(), "--timeout", "30s"), null);

        assertEquals(0, r.exit, r.stderr);
        String[] lines = r.stdout.strip().split("\n");
        assertEquals(1, lines.length, "exactly one line on stdout: " + r.stdout);
        JsonNode j = JSON.readTree(lines[0]);
        assertEquals("READY", j.get("sim").asText());
        assertEquals("460001234567890", j.get("imsi").asText());
        assertEquals("89860012345678901234", j.get("iccid").asText());
        assertEquals("867698041234561", j.get("imei").asText());
        assertEquals("HOME", j.get("registration").asText());
        assertEquals("CHINA MOBILE", j.get("operator").asText());
        assertEquals(-73, j.get("rssiDbm").asInt());
        assertEquals("Quectel", j.get("manufacturer").asText());
        assertEquals("EG25", j.get("model").asText());
    }

    @Test
    void real_probe_process_without_sim_gives_one_line_reason_and_exit_5() throws Exception {
        simOnPty(SimulatorConfig.DEFAULT.withSimCard(SimCard.ABSENT));

        Result r = run(List.of(ModemCli.class.getName(), "probe", "--port", terminalEnd.toString(), "--timeout", "20s"), null);

        assertEquals(Probe.EXIT_SIM, r.exit, r.stderr);
        assertEquals("", r.stdout.strip());
        assertTrue(lastLine(r.stderr).equals("modem probe: SIM not ready: NOT_INSERTED"), r.stderr);
    }

    @Test
    void real_probe_process_on_a_missing_port_exits_3() throws Exception {
        Result r = run(List.of(ModemCli.class.getName(), "probe", "--port", dir.resolve("nope").toString()), null);

        assertEquals(Probe.EXIT_PORT, r.exit, r.stderr);
        assertTrue(lastLine(r.stderr).startsWith("modem probe: cannot open"), r.stderr);
    }

    @Test
    void real_probe_process_on_a_mute_modem_fails_within_its_timeout() throws Exception {
        simOnPty(SimulatorConfig.DEFAULT.withFaults(Faults.NONE.withMute(true)));

        Result r = run(List.of(ModemCli.class.getName(), "probe", "--port", terminalEnd.toString(),
                "--dialect", "quectel", "--timeout", "15s"), null);

        assertEquals(Probe.EXIT_MODEM, r.exit, r.stderr);
        assertTrue(lastLine(r.stderr).contains("ATE0") || lastLine(r.stderr).contains("AT+CMEE=1"), r.stderr);
    }

    @Test
    void simulator_process_serves_the_pty_and_takes_identity_swaps_on_stdin() throws Exception {
        Process sim = start(List.of(ModemSimCli.class.getName(), "--pty", modemEnd.toString(), "--search-time", "100ms"));
        toClose.add(() -> stop(sim));
        Writer control = new OutputStreamWriter(sim.getOutputStream(), StandardCharsets.UTF_8);
        BufferedReader replies = new BufferedReader(new InputStreamReader(sim.getInputStream(), StandardCharsets.UTF_8));
        // a status round trip proves the simulator is up before the probe starts
        control.write("status\n");
        control.flush();
        assertTrue(replies.readLine().contains("\"imsi\":\"460001234567890\""));

        try (Modem modem = Modem.open(SerialConfig.of(terminalEnd.toString()), ModemConfig.DEFAULT)) {
            assertEquals("460001234567890", Probe.run(modem, Duration.ofSeconds(10)).imsi().value());

            control.write("identity 460019876543210 89860198765432109876 490154203237518\n");
            control.flush();
            assertEquals("ok", replies.readLine());

            ProbeResult after = Probe.run(modem, Duration.ofSeconds(10));
            assertEquals("460019876543210", after.imsi().value());
            assertEquals("89860198765432109876", after.iccid().value());
            assertEquals("490154203237518", after.imei().value());

            control.write("imei 123\n");
            control.flush();
            assertTrue(replies.readLine().startsWith("error: IMEI must have 15 digits"));
        }

        // the pty vanishes and returns (socat restarted, as a USB modem re-enumerates): the simulator
        // process serves it again, as a freshly booted modem that kept its swapped identity
        pty.close();
        pty = SocatPtyPair.start(modemEnd, terminalEnd);
        try (Modem modem = Modem.open(SerialConfig.of(terminalEnd.toString()), ModemConfig.DEFAULT)) {
            ProbeResult again = Probe.run(modem, Duration.ofSeconds(10));
            assertEquals("460019876543210", again.imsi().value());
        }
    }

    @Test
    void real_apdu_process_prints_each_response_with_its_status_word() throws Exception {
        ScriptedCard card = ScriptedCard.euiccLike();
        simOnPty(SimulatorConfig.DEFAULT.withCard(card));

        Result r = run(List.of(ModemCli.class.getName(), "apdu", "--port", terminalEnd.toString(), "--aid", ScriptedCard.ISD_R,
                "80E2910003BF2D00", "80CA00FE00", "80A4040000"), null);

        assertEquals(0, r.exit, r.stderr);
        // STORE DATA: 6103 followed by GET RESPONSE; CA: 6C04 sent again with Le 04; an unknown SELECT: 6A82 is data too
        assertEquals(List.of("BF2D00 9000", "CAFE1234 9000", "6A82"), List.of(r.stdout.strip().split("\n")));
        assertTrue(card.received().contains("81E2910003BF2D00"), "channel 1 in CLA: " + card.received());
    }

    @Test
    void real_apdu_process_over_csim_in_json_and_without_get_response() throws Exception {
        simOnPty(SimulatorConfig.DEFAULT.withCard(ScriptedCard.euiccLike())
                .withFaults(Faults.NONE.withUicc(UiccFaults.NONE.withNoLogicalChannels(true))));

        Result r = run(List.of(ModemCli.class.getName(), "apdu", "--port", terminalEnd.toString(), "--aid", ScriptedCard.ISD_R,
                "--json", "--no-get-response", "80E2910003BF2D00"), null);

        assertEquals(0, r.exit, r.stderr);
        JsonNode j = JSON.readTree(r.stdout.strip());
        assertEquals("80E2910003BF2D00", j.get("command").asText(), "as given; it went out as 81E2... on channel 1");
        assertEquals("6103", j.get("sw").asText());
        assertEquals("", j.get("data").asText());
    }

    @Test
    void real_apdu_process_on_a_sim_that_is_not_an_euicc_exits_6() throws Exception {
        simOnPty(SimulatorConfig.DEFAULT); // the plain USIM

        Result r = run(List.of(ModemCli.class.getName(), "apdu", "--port", terminalEnd.toString(), "--aid", ScriptedCard.ISD_R,
                "80E2910003BF2D00"), null);

        assertEquals(6, r.exit, r.stderr);
        assertTrue(lastLine(r.stderr).startsWith("modem apdu: AT+CCHO=\"A0000005591010FFFFFFFF8900000100\": modem answered +CME ERROR: 13"),
                r.stderr);
    }

    @Test
    void engine_reports_the_port_vanishing_and_returning_as_a_reset() throws Exception {
        simOnPty(SimulatorConfig.DEFAULT);
        AtEngine engine = AtEngine.start(JSerialCommLink.opener(SerialConfig.of(terminalEnd.toString())),
                AtEngineConfig.DEFAULT.withReopenInterval(Duration.ofMillis(100)));
        toClose.add(engine);
        BlockingQueue<AtEvent> events = new LinkedBlockingQueue<>();
        engine.onEvent(events::add);
        assertTrue(engine.execute(AtCommand.action("AT")).isOk());

        pty.close(); // the USB device disappears
        assertInstanceOf(AtEvent.LinkLost.class, events.poll(5, TimeUnit.SECONDS));

        pty = SocatPtyPair.start(modemEnd, terminalEnd); // ... and comes back
        simOnPty(SimulatorConfig.DEFAULT);
        AtEvent.ModemReset reset = assertInstanceOf(AtEvent.ModemReset.class, events.poll(5, TimeUnit.SECONDS));
        assertEquals(AtEvent.ResetCause.PORT_RETURNED, reset.cause());
        assertTrue(engine.execute(AtCommand.bare("AT+CIMI")).lines().contains("460001234567890"));
    }

    @Test
    void launcher_script_runs_the_probe_when_its_build_is_current() throws Exception {
        Path launcher = MODULE.getParent().resolve("vinbind");
        assumeTrue(Files.isExecutable(launcher), "skipped: no ./vinbind launcher at " + launcher);
        simOnPty(SimulatorConfig.DEFAULT.withNetwork(NetworkOutcome.HOME, Duration.ofMillis(100)));
        List<String> cmd = List.of(launcher.toString(), "modem", "probe", "--port", terminalEnd.toString(), "--timeout", "30s");
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("VINBIND_NO_BUILD", "1"); // never start a nested Maven build from a test
        pb.environment().put("VINBIND_LOG_LEVEL", "warn");

        Result r = finish(pb.start(), cmd, null);

        assumeTrue(!(r.exit == 2 && r.stderr.contains("VINBIND_NO_BUILD")),
                "skipped: the launcher's build output is older than the sources (it would rebuild the whole project);"
                        + " the same main class is run directly by real_probe_process_prints_one_json_object_and_exits_0");
        assertEquals(0, r.exit, r.stderr);
        JsonNode j = JSON.readTree(r.stdout.strip());
        assertEquals("460001234567890", j.get("imsi").asText());
        assertEquals("HOME", j.get("registration").asText());
    }

    // ------------------------------------------------------------------ child processes

    private record Result(int exit, String stdout, String stderr) {
    }

    private static String lastLine(String s) {
        String[] l = s.strip().split("\n");
        return l[l.length - 1];
    }

    private Process start(List<String> mainAndArgs) throws IOException {
        Path cpFile = MODULE.resolve("target/classpath.txt");
        assumeTrue(Files.exists(cpFile), "skipped: target/classpath.txt missing (written at package time; run mvn verify)");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dtinylog.writer=console", "-Dtinylog.writer.stream=err", "-Dtinylog.writer.level=info",
                "-cp", MODULE.resolve("target/classes") + java.io.File.pathSeparator + Files.readString(cpFile).strip()));
        cmd.addAll(mainAndArgs);
        return new ProcessBuilder(cmd).start();
    }

    private Result run(List<String> mainAndArgs, String stdin) throws Exception {
        return finish(start(mainAndArgs), mainAndArgs, stdin);
    }

    private static Result finish(Process p, List<String> mainAndArgs, String stdin) throws Exception {
        if (stdin != null) {
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        var out = new java.util.concurrent.CompletableFuture<String>();
        var err = new java.util.concurrent.CompletableFuture<String>();
        new Thread(() -> out.complete(readAll(p.getInputStream()))).start();
        new Thread(() -> err.complete(readAll(p.getErrorStream()))).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("process did not finish within 60 s: " + mainAndArgs);
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

    private static void stop(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(5, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }
}
