package io.vinbind.can.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.can.sim.EcuSimulator;
import io.vinbind.can.sim.EcuSimulatorConfig;
import io.vinbind.can.vehicle.PowerMode;
import io.vinbind.can.virtual.VirtualCanBus;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class EcuSimCliTest {

    private static int run(StringWriter err, String... args) {
        CommandLine cl = new CommandLine(new EcuSimCli());
        cl.setOut(new PrintWriter(new StringWriter()));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }

    @Test
    void bad_configuration_exits_2_naming_the_setting() throws Exception {
        StringWriter err = new StringWriter();
        assertEquals(CliSupport.EXIT_USAGE, run(err, "--can", "virtual:sim-cli"));
        assertTrue(err.toString().contains("--vin"), err.toString());
        err = new StringWriter();
        assertEquals(CliSupport.EXIT_USAGE, run(err, "--can", "virtual:sim-cli", "--vin", "LSGPC52U6AF102554", "--fault", "explode"));
        assertTrue(err.toString().contains("ecu.fault") && err.toString().contains("explode"), err.toString());
    }

    @Test
    void a_config_file_that_cannot_be_read_is_named(@TempDir Path dir) {
        StringWriter err = new StringWriter();
        Path missing = dir.resolve("nope.properties");
        assertEquals(CliSupport.EXIT_USAGE, run(err, "--can", "virtual:sim-cli", "--config", missing.toString()));
        assertTrue(err.toString().contains("nope.properties"), err.toString());
    }

    @Test
    void stdin_commands_change_mode_and_fault_and_quit_stops() throws Exception {
        EcuSimCli cli = new EcuSimCli();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        try (EcuSimulator sim = EcuSimulator.start(VirtualCanBus.create("stdin").connect("ecu"),
                EcuSimulatorConfig.of("LSGPC52U6AF102554"))) {
            PrintWriter o = new PrintWriter(out);
            PrintWriter e = new PrintWriter(err);
            assertTrue(cli.command("mode on", sim, o, e));
            assertTrue(cli.command("fault truncated:5", sim, o, e));
            assertTrue(cli.command("mode SIDEWAYS", sim, o, e));
            assertTrue(cli.command("status", sim, o, e));
            assertFalse(cli.command("quit", sim, o, e));
            assertEquals(PowerMode.ON, sim.powerMode());
            assertEquals("truncated:5", sim.fault().spec());
        }
        assertEquals(String.join(System.lineSeparator(), "mode ON", "fault truncated:5",
                "status mode=ON fault=truncated:5 vin-requests=0", "bye", ""), out.toString());
        assertTrue(err.toString().contains("SIDEWAYS"), err.toString());
    }

    @Test
    void reads_settings_from_a_properties_file(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("ecu.properties");
        Files.writeString(file, "ecu.vin=LSGPC52U6AF102554\necu.fault=nrc:0x99\n");
        EcuSimulatorConfig c = EcuSimulatorConfig.load(file);
        assertEquals(0x99, ((io.vinbind.can.sim.EcuFault.Negative) c.fault()).nrcCode());
    }
}
