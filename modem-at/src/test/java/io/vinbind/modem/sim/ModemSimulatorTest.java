package io.vinbind.modem.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.modem.RegistrationState;
import io.vinbind.modem.link.InMemoryLinkPair;
import io.vinbind.modem.link.SerialLink;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The simulator's bytes on the wire, checked against V.250 / 27.007 formats. */
class ModemSimulatorTest {

    private final InMemoryLinkPair pair = InMemoryLinkPair.create("sim-test");
    private final SerialLink terminal = pair.a();
    private ModemSimulator sim;

    @AfterEach
    void tearDown() {
        if (sim != null) {
            sim.close();
        }
        pair.close();
    }

    /** Sends a command line and collects what comes back until {@code until} appears (bounded). */
    private String exchange(String command, String until) throws IOException {
        terminal.write((command + "\r").getBytes(StandardCharsets.US_ASCII));
        return readUntil(until);
    }

    private String readUntil(String until) throws IOException {
        return readUntil(until, Duration.ofSeconds(2));
    }

    private String readUntil(String until, Duration bound) throws IOException {
        StringBuilder sb = new StringBuilder();
        byte[] buf = new byte[256];
        long deadline = System.nanoTime() + bound.toNanos();
        while (!sb.toString().contains(until) && System.nanoTime() < deadline) {
            int n = terminal.read(buf, Duration.ofMillis(50));
            sb.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
        }
        return sb.toString();
    }

    @Test
    void echoes_by_default_and_answers_in_verbose_format() throws Exception {
        sim = ModemSimulator.start(pair.b(), SimulatorConfig.DEFAULT);
        // echo "AT+CIMI" CR, then CR LF <IMSI> CR LF, then CR LF OK CR LF
        assertEquals("AT+CIMI\r\r\n460001234567890\r\n\r\nOK\r\n", exchange("AT+CIMI", "OK\r\n"));
        // after ATE0 no echo
        assertEquals("ATE0\r\r\nOK\r\n", exchange("ATE0", "OK\r\n"));
        assertEquals("\r\n+CPIN: READY\r\n\r\nOK\r\n", exchange("AT+CPIN?", "OK\r\n"));
    }

    @Test
    void error_format_follows_cmee() throws Exception {
        sim = ModemSimulator.start(pair.b(), SimulatorConfig.DEFAULT.withSimCard(SimCard.ABSENT));
        exchange("ATE0", "OK\r\n");
        assertEquals("\r\nERROR\r\n", exchange("AT+CIMI", "ERROR\r\n"));                       // CMEE=0
        exchange("AT+CMEE=1", "OK\r\n");
        assertEquals("\r\n+CME ERROR: 10\r\n", exchange("AT+CIMI", "10\r\n"));                 // numeric
        exchange("AT+CMEE=2", "OK\r\n");
        assertEquals("\r\n+CME ERROR: SIM not inserted\r\n", exchange("AT+CIMI", "inserted\r\n")); // verbose
    }

    @Test
    void ef_iccid_is_nibble_swapped_and_padded() throws Exception {
        sim = ModemSimulator.start(pair.b(), SimulatorConfig.DEFAULT.withIdentity(
                Identity.of("460001234567890", "8986001234567890123", "867698041234561")));
        exchange("ATE0", "OK\r\n");
        // 19 digits + F pad, pairs swapped: 89 86 00 12 34 56 78 90 12 3F -> 98 68 00 21 43 65 87 09 21 F3
        assertEquals("\r\n+CRSM: 144,0,\"986800214365870921F3\"\r\n\r\nOK\r\n",
                exchange("AT+CRSM=176,12258,0,0,10", "OK\r\n"));
        assertEquals("\r\n+QCCID: 8986001234567890123F\r\n\r\nOK\r\n", exchange("AT+QCCID", "OK\r\n"));
    }

    @Test
    void registration_urcs_follow_the_enabled_mode() throws Exception {
        sim = ModemSimulator.start(pair.b(), SimulatorConfig.DEFAULT.withNetwork(NetworkOutcome.ROAMING, Duration.ofMillis(200)));
        exchange("ATE0", "OK\r\n");
        exchange("AT+CEREG=2", "OK\r\n");
        // unsolicited form, n=2: <stat>=5,<tac>,<ci>,<AcT>
        assertTrue(readUntil("7\r\n").contains("\r\n+CEREG: 5,\"1A2B\",\"0C3D4E5F\",7\r\n"));
        // solicited form: <n>=2 first
        assertEquals("\r\n+CEREG: 2,5,\"1A2B\",\"0C3D4E5F\",7\r\n\r\nOK\r\n", exchange("AT+CEREG?", "OK\r\n"));
        assertEquals(RegistrationState.ROAMING, sim.status().registration());
    }

    @Test
    void mute_answers_nothing_and_unknown_commands_get_error() throws Exception {
        sim = ModemSimulator.start(pair.b(), SimulatorConfig.DEFAULT);
        exchange("ATE0", "OK\r\n");
        assertEquals("\r\nERROR\r\n", exchange("AT+NOSUCH", "ERROR\r\n"));
        sim.setFaults(Faults.NONE.withMute(true));
        terminal.write("AT\r".getBytes(StandardCharsets.US_ASCII));
        assertEquals("", readUntil("OK", Duration.ofMillis(300)), "not even an echo");
        assertEquals("AT", sim.receivedCommands().get(sim.receivedCommands().size() - 1));
    }

    @Test
    void reset_prints_rdy_and_boot_urcs() throws Exception {
        sim = ModemSimulator.start(pair.b(), SimulatorConfig.DEFAULT);
        sim.reset();
        String boot = readUntil("SMS DONE\r\n");
        assertTrue(boot.startsWith("\r\nRDY\r\n"), boot);
        assertTrue(boot.contains("\r\n+CPIN: READY\r\n"), boot);
        assertTrue(boot.contains("\r\n+QUSIM: 1\r\n"), boot);
    }
}
