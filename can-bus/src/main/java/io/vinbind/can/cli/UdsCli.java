package io.vinbind.can.cli;

import io.vinbind.can.CanChannel;
import io.vinbind.can.CanChannels;
import io.vinbind.can.CanException;
import io.vinbind.can.CanId;
import io.vinbind.can.uds.UdsAddressing;
import io.vinbind.can.uds.UdsClient;
import io.vinbind.can.uds.UdsClientConfig;
import io.vinbind.can.uds.UdsException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import org.tinylog.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ./vinbind uds ...}: UDS tester tools for the bench. */
@Command(name = "uds", mixinStandardHelpOptions = true, version = "vinbind uds 0.1",
        description = "UDS (ISO 14229-1) tester tools over ISO-TP on CAN.",
        subcommands = {UdsCli.ReadVin.class, CommandLine.HelpCommand.class})
public final class UdsCli implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(CliSupport.run(new UdsCli(), args));
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return CliSupport.EXIT_USAGE;
    }

    @Command(name = "read-vin", mixinStandardHelpOptions = true,
            description = {"Reads the VIN (ReadDataByIdentifier 0xF190) from an ECU and prints it alone on stdout.",
                "Trailing 0x00/0x20/0xFF padding is stripped; anything but 17 characters is an error."},
            footer = {"", "Exit codes: 0 VIN printed; 1 the ECU refused, did not answer or sent a",
                "malformed VIN, or the command was still running --timeout plus 3 s after",
                "start (opening and closing the adapter included); 2 bad options; 3 the CAN",
                "channel could not be opened. Failures print one line on stderr.",
                "", "Examples:",
                "  ./vinbind uds read-vin --can slcan:/dev/ttyACM0@500000",
                "  ./vinbind uds read-vin --can socketcan:can0 --timeout 5s \\",
                "      --tx 0x18DA40F1 --rx 0x18DAF140"})
    static final class ReadVin implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--can", required = true, paramLabel = "<spec>", description = CliSupport.SPEC_HELP)
        String can;

        @Option(names = "--tx", paramLabel = "<id>", converter = CliSupport.CanIdConverter.class,
                description = "Request identifier (default: ${DEFAULT-VALUE}). 1-3 hex digits: 11-bit; 8 digits: 29-bit.",
                defaultValue = "0x740")
        CanId tx;

        @Option(names = "--rx", paramLabel = "<id>", converter = CliSupport.CanIdConverter.class,
                description = "Response identifier (default: ${DEFAULT-VALUE}).", defaultValue = "0x748")
        CanId rx;

        @Option(names = "--timeout", paramLabel = "<duration>", converter = CliSupport.DurationConverter.class,
                description = "Overall bound including response-pending waits, e.g. 10s, 2500ms (default: ${DEFAULT-VALUE}).",
                defaultValue = "10s")
        Duration timeout;

        @Option(names = "--p2", paramLabel = "<duration>", converter = CliSupport.DurationConverter.class,
                description = "P2: time for the ECU to start answering (default: ${DEFAULT-VALUE}).", defaultValue = "1000ms")
        Duration p2;

        @Option(names = "--p2-star", paramLabel = "<duration>", converter = CliSupport.DurationConverter.class,
                description = "P2*: time after each NRC 0x78 response-pending (default: ${DEFAULT-VALUE}).", defaultValue = "5000ms")
        Duration p2Star;

        @Option(names = "--padding", paramLabel = "<byte|none>", converter = CliSupport.PaddingConverter.class,
                description = "Fill byte for our CAN frames, or none (default: ${DEFAULT-VALUE}).", defaultValue = "0xCC")
        OptionalInt padding;

        /** What the hard bound allows beyond {@code --timeout}: opening and closing the adapter, JVM exit. */
        static final Duration OPEN_CLOSE_ALLOWANCE = Duration.ofSeconds(3);

        @Override
        public Integer call() {
            CliSupport.hardBound("uds read-vin", timeout, OPEN_CLOSE_ALLOWANCE, CliSupport.EXIT_FAILURE);
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            UdsClientConfig config;
            try {
                config = new UdsClientConfig(new UdsAddressing(tx, rx), p2, p2Star, timeout, padding,
                        io.vinbind.can.isotp.IsoTpConfig.DEFAULT_TIMEOUT);
            } catch (IllegalArgumentException e) {
                return CliSupport.fail(err, "uds read-vin", e, CliSupport.EXIT_USAGE);
            }
            CanChannel channel;
            try {
                channel = CanChannels.open(can);
            } catch (IllegalArgumentException | CanException e) {
                return CliSupport.openFailed(err, "uds read-vin", e);
            }
            try (channel) {
                String vin = UdsClient.over(channel, config).readVin();
                out.println(vin);
                out.flush();
                return 0;
            } catch (UdsException e) {
                Logger.debug(e, "read-vin failed");
                return CliSupport.fail(err, "uds read-vin", e, CliSupport.EXIT_FAILURE);
            } catch (CanException e) {
                Logger.debug(e, "read-vin failed");
                return CliSupport.fail(err, "uds read-vin", e, CliSupport.EXIT_FAILURE);
            }
        }
    }
}
