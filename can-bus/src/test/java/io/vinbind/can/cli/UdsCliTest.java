package io.vinbind.can.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vinbind.can.sim.EcuFault;
import io.vinbind.can.sim.EcuSimulator;
import io.vinbind.can.sim.EcuSimulatorConfig;
import io.vinbind.can.uds.UdsAddressing;
import io.vinbind.can.virtual.VirtualCanBus;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** read-vin in-process against the simulator on a named virtual bus (the only place virtual: makes sense). */
class UdsCliTest {

    private static final String VIN = "LSGPC52U6AF102554";

    private record Run(int exit, String out, String err) {
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new UdsCli());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        cl.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println(ex.getMessage());
            return CliSupport.EXIT_USAGE;
        });
        int exit = cl.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void prints_the_vin_alone_and_exits_0() throws Exception {
        try (EcuSimulator sim = EcuSimulator.start(VirtualCanBus.named("cli-ok").connect("ecu"), EcuSimulatorConfig.of(VIN))) {
            Run r = run("read-vin", "--can", "virtual:cli-ok");
            assertEquals(0, r.exit, r.err);
            assertEquals(VIN + System.lineSeparator(), r.out);
            assertEquals(1, sim.vinRequests());
        }
    }

    @Test
    void uses_the_given_29_bit_identifiers() throws Exception {
        EcuSimulatorConfig config = EcuSimulatorConfig.of(VIN).withAddressing(UdsAddressing.normalFixed(0x40, 0xF1));
        try (EcuSimulator sim = EcuSimulator.start(VirtualCanBus.named("cli-29").connect("ecu"), config)) {
            Run r = run("read-vin", "--can", "virtual:cli-29", "--tx", "0x18DA40F1", "--rx", "0x18DAF140");
            assertEquals(0, r.exit, r.err);
            assertEquals(VIN, r.out.trim());
            assertEquals(1, sim.vinRequests());
        }
    }

    @Test
    void a_refusal_is_one_line_on_stderr_and_exit_1() throws Exception {
        try (EcuSimulator sim = EcuSimulator.start(VirtualCanBus.named("cli-nrc").connect("ecu"),
                EcuSimulatorConfig.of(VIN).withFault(new EcuFault.Negative(0x22)))) {
            Run r = run("read-vin", "--can", "virtual:cli-nrc");
            assertEquals(CliSupport.EXIT_FAILURE, r.exit);
            assertEquals("", r.out);
            assertEquals(1, r.err.lines().count(), r.err);
            assertTrue(r.err.contains("0x22 conditions_not_correct"), r.err);
            assertEquals(1, sim.vinRequests());
        }
    }

    @Test
    void silence_times_out_within_the_given_timeout() {
        Run r = run("read-vin", "--can", "virtual:cli-nobody", "--p2", "100ms", "--timeout", "300ms");
        assertEquals(CliSupport.EXIT_FAILURE, r.exit);
        assertTrue(r.err.contains("no response within P2 100 ms"), r.err);
    }

    @Test
    void bad_options_exit_2_and_an_unopenable_port_exits_3() {
        assertEquals(CliSupport.EXIT_USAGE, run("read-vin", "--can", "virtual:x", "--tx", "0x12345").exit);
        assertEquals(CliSupport.EXIT_USAGE, run("read-vin", "--can", "can0").exit);
        assertEquals(CliSupport.EXIT_USAGE, run("read-vin").exit);
        Run r = run("read-vin", "--can", "slcan:/dev/vinbind-no-such-port");
        assertEquals(CliSupport.EXIT_TRANSPORT, r.exit);
        assertTrue(r.err.contains("/dev/vinbind-no-such-port"), r.err);
    }

    @Test
    void help_says_virtual_works_only_in_one_process() {
        Run r = run("read-vin", "--help");
        assertEquals(0, r.exit);
        assertTrue(r.out.contains("only inside one process"), r.out);
    }
}
