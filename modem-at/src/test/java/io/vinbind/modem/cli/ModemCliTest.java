package io.vinbind.modem.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vinbind.modem.DeviceInfo;
import io.vinbind.modem.Iccid;
import io.vinbind.modem.Imei;
import io.vinbind.modem.Imsi;
import io.vinbind.modem.Registration;
import io.vinbind.modem.SimState;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ModemCliTest {

    @Test
    void durations_in_short_and_iso_forms() {
        assertEquals(Duration.ofMillis(500), DurationConverter.parse("500ms"));
        assertEquals(Duration.ofSeconds(30), DurationConverter.parse("30s"));
        assertEquals(Duration.ofMinutes(2), DurationConverter.parse("2m"));
        assertEquals(Duration.ofSeconds(5), DurationConverter.parse("PT5S"));
        assertThrows(CommandLine.TypeConversionException.class, () -> DurationConverter.parse("soon"));
    }

    @Test
    void probe_without_port_is_a_usage_error_with_exit_2() {
        StringWriter err = new StringWriter();
        CommandLine cl = ModemCli.commandLine();
        cl.setErr(new PrintWriter(err));

        int exit = cl.execute("probe", "--timeout", "soon");

        assertEquals(2, exit);
        assertTrue(err.toString().contains("--port"), err.toString());
    }

    @Test
    void probe_on_a_missing_device_exits_3_with_one_line() {
        StringWriter err = new StringWriter();
        CommandLine cl = ModemCli.commandLine();
        cl.setErr(new PrintWriter(err));

        int exit = cl.execute("probe", "--port", "/dev/vinbind-no-such-tty");

        assertEquals(Probe.EXIT_PORT, exit);
        assertEquals(1, err.toString().strip().split("\n").length, err.toString());
        assertTrue(err.toString().startsWith("modem probe: cannot open /dev/vinbind-no-such-tty"), err.toString());
    }

    @Test
    void json_has_exactly_the_documented_fields_and_nulls_for_unknowns() throws Exception {
        ProbeResult r = new ProbeResult(SimState.READY, Imsi.of("460001234567890"), Iccid.parse("89860012345678901234"),
                new Imei("867698041234561"), Registration.parse("+CEREG: 2,2"), Optional.empty(), OptionalInt.empty(),
                new DeviceInfo("Quectel", "EG25", "EG25GGBR07A08M2G"));

        JsonNode j = new ObjectMapper().readTree(r.toJson());

        assertEquals(9, j.size());
        assertEquals("SEARCHING", j.get("registration").asText());
        assertTrue(j.get("operator").isNull());
        assertTrue(j.get("rssiDbm").isNull());
        assertEquals("EG25", j.get("model").asText());
    }

    private static int apdu(StringWriter err, String... args) {
        CommandLine cl = ModemCli.commandLine();
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }

    @Test
    void apdu_that_is_not_hex_is_a_usage_error_naming_it() {
        StringWriter err = new StringWriter();
        int exit = apdu(err, "apdu", "--port", "/dev/vinbind-no-such-tty", "--aid", "A0000005591010FFFFFFFF8900000100",
                "80E2910003BF2D00", "80E29100ZZ");
        assertEquals(2, exit);
        assertTrue(err.toString().startsWith("modem apdu: APDU 2 is not hex: 'Z' at offset 8"), err.toString());
    }

    @Test
    void apdu_with_a_short_aid_or_apdu_is_a_usage_error() {
        StringWriter err = new StringWriter();
        assertEquals(2, apdu(err, "apdu", "--port", "/dev/x", "--aid", "A000", "80E29100"));
        assertTrue(err.toString().contains("an AID has 5-16"), err.toString());
        StringWriter err2 = new StringWriter();
        assertEquals(2, apdu(err2, "apdu", "--port", "/dev/x", "--aid", "A0000005591010FFFFFFFF8900000100", "80E2"));
        assertTrue(err2.toString().contains("a short APDU has 4-261"), err2.toString());
    }

    @Test
    void apdu_on_a_missing_device_exits_3() {
        StringWriter err = new StringWriter();
        assertEquals(Probe.EXIT_PORT, apdu(err, "apdu", "--port", "/dev/vinbind-no-such-tty", "--aid",
                "A0000005591010FFFFFFFF8900000100", "80E2910003BF2D00"));
        assertTrue(err.toString().startsWith("modem apdu: cannot open /dev/vinbind-no-such-tty"), err.toString());
    }
}
