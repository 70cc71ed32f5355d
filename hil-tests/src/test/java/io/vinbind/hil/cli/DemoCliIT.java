package io.vinbind.hil.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/** {@code ./vinbind demo} in-process: what a new user sees, and that it leaves nothing behind. */
@Timeout(300)
class DemoCliIT {

    @Test
    void demo_binds_rebinds_after_a_modem_swap_refuses_an_impostor_provisions_a_profile_and_cleans_up() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        int exit = new CommandLine(new DemoCli(out)).execute("--seed", "20261122");
        String text = bytes.toString(StandardCharsets.UTF_8);

        assertEquals(0, exit, text);
        assertTrue(text.contains("flag CLEARED: server says BOUND"), text);
        assertTrue(text.contains("flag SET, reason MODEM_REPLACED"), text);
        assertTrue(text.contains("flag CLEARED: server says REBOUND"), text);
        assertTrue(text.matches("(?s).*RELEASED.*REBOUND.*"), "history shows the released and the new pair");
        // the impostor step: every attempt refused by the broker or the API, the binding untouched
        assertTrue(text.contains("/bind -> refused"), text);
        assertTrue(text.contains("/bind/ack -> refused: 0x87 not authorized"), text);
        assertTrue(text.contains("(to take over its session) -> refused: 0x85"), text);
        assertTrue(text.contains("connect without a client certificate -> refused"), text);
        assertTrue(text.contains("without a token -> HTTP 401"), text);
        assertTrue(text.contains("binding unchanged"), text);
        assertTrue(text.contains("== 4. presence"), text);
        assertTrue(text.contains("heartbeat every 5 s"), text); // the limits table's row, pushed with the answers
        // a status record with the radio the modem simulator reports (+CSQ rssi 20 = -73 dBm, registered home, LTE)
        assertTrue(text.matches("(?s).*status record n=\\d+ taken \\S+: power ACC, state BOUND, signal -73 dBm,"
            + " registration HOME \\(EPS, E_UTRAN\\).*"), text);
        assertTrue(text.contains("(OFFLINE, cause POWER_OFF"), text);
        assertTrue(text.matches("(?s).*webhook   the fleet back end http://127\\.0\\.0\\.1:\\d+/fleet/presence received \\d+"
            + " events in \\d+ POSTs \\(bearer token checked\\), the last: #\\d+ \\S+ OFFLINE POWER_OFF.*"), text);
        // the eSIM chapter: the engine's steps, the job DONE, the binding on the profile's IMSI
        assertTrue(text.contains("== 5. the terminal's eUICC gets a profile"), text);
        for (String step : new String[] {" INTERACTION ", " ORDER ", " DL_INITIATED ", " DL_LOADED ", " INSTALLED ",
            " ENABLE ", " NOTIFY ", " DONE "}) {
            assertTrue(text.contains(step), () -> "step" + step + "printed:\n" + text);
        }
        Matcher done = Pattern.compile("job \\d+ DONE: ICCID \\d+, IMSI (\\d+) -> (\\d+)").matcher(text);
        assertTrue(done.find(), text);
        String oldImsi = done.group(1);
        String newImsi = done.group(2);
        assertFalse(oldImsi.equals(newImsi), text);
        assertTrue(text.contains("<-> IMSI " + newImsi + " (bound "), "the binding holds the profile's IMSI: " + text);
        assertTrue(text.contains("the binding's IMSI changed from " + oldImsi + " to " + newImsi), text);
        assertTrue(text.matches("(?s).*== 5\\..*PROFILE_SWITCHED.*"), text);
        assertTrue(text.matches("(?s).*== 5\\..*REBOUND.*"), text);
        Matcher cleaned = Pattern.compile("cleaned up: (\\S+) removed").matcher(text);
        assertTrue(cleaned.find(), text);
        assertFalse(Files.exists(Path.of(cleaned.group(1))), "the demo's temporary directory is gone");
    }

    @Test
    void help_explains_transports_and_options() {
        StringWriter help = new StringWriter();
        CommandLine cli = new CommandLine(new DemoCli(System.out));
        cli.setOut(new PrintWriter(help));
        assertEquals(0, cli.execute("--help"));
        for (String expected : new String[] {"--transport", "pty", "in-jvm", "socat", "--keep-running", "--seed",
            "--vin", "--verbose"}) {
            assertTrue(help.toString().contains(expected), () -> "help lacks " + expected + ":\n" + help);
        }
    }

    @Test
    void invalid_vin_is_a_command_line_error() {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new DemoCli(System.out));
        cli.setErr(new PrintWriter(err));
        assertEquals(2, cli.execute("--vin", "LSVAU2180N2183295"));
        assertTrue(err.toString().contains("--vin LSVAU2180N2183295"), err.toString());
    }
}
