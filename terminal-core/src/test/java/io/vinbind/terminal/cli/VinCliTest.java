package io.vinbind.terminal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class VinCliTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = new CommandLine(new VinCli());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        return cl.execute(args);
    }

    @Test
    void prints_one_line_per_vin_and_exits_zero_when_all_valid() {
        assertEquals(0, run("check", "1M8GDM9AXKP042788", "11111111111111111"));
        assertEquals("1M8GDM9AXKP042788 valid check digit 'X' correct\n"
                + "11111111111111111 valid check digit '1' correct\n", out.toString());
    }

    @Test
    void exits_one_when_any_vin_is_invalid_and_still_reports_every_vin() {
        assertEquals(VinCli.EXIT_INVALID, run("check", "LSVAU2180N2183294", "1M8GDM9AXKP042788"));
        assertEquals("LSVAU2180N2183294 invalid check digit (position 9) is '0', the other positions give 'X'\n"
                + "1M8GDM9AXKP042788 valid check digit 'X' correct\n", out.toString());
    }

    @Test
    void lenient_mode_turns_check_digit_error_into_warning() {
        assertEquals(0, run("check", "--mode", "LENIENT", "WVWZZZ1JZXW000001"));
        assertEquals("WVWZZZ1JZXW000001 valid check digit not enforced; warning: check digit (position 9) is "
                + "'Z', the other positions give '0'\n", out.toString());
    }

    @Test
    void missing_vin_is_a_usage_error() {
        assertEquals(2, run("check"));
        assertEquals("", out.toString());
        assertEquals(true, err.toString().contains("Missing required parameter"), err.toString());
    }
}
