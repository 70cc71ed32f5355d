package io.vinbind.can.cli;

import io.vinbind.can.CanChannel;
import io.vinbind.can.CanChannels;
import io.vinbind.can.CanException;
import io.vinbind.can.sim.EcuFault;
import io.vinbind.can.sim.EcuSimulator;
import io.vinbind.can.sim.EcuSimulatorConfig;
import io.vinbind.can.vehicle.PowerMode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.tinylog.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ./vinbind sim ecu ...}: the smart-key ECU simulator as a bench process. */
@Command(name = "sim ecu", mixinStandardHelpOptions = true, version = "vinbind sim ecu 0.1",
        description = {"Runs the smart-key ECU simulator until stopped (Ctrl-C, SIGTERM, 'quit').",
            "It answers UDS ReadDataByIdentifier 0xF190 with its VIN over ISO-TP and",
            "broadcasts the power mode. Options override the same settings from --config",
            "(a properties file; the keys are given in parentheses).",
            "",
            "Commands on stdin, one per line, each acknowledged on stdout:",
            "  mode OFF|ACC|ON|START    change the broadcast power mode",
            "  fault <fault>            change the fault (forms as for --fault)",
            "  status                   print mode, fault and VIN requests served",
            "  quit                     stop"},
        footer = {"", "Prints 'ready <spec>' on stdout once it listens. Exit codes: 0 stopped;",
            "2 bad options or configuration; 3 the CAN channel could not be opened.",
            "", "Example:",
            "  ./vinbind sim ecu --can slcan:/tmp/pty-a --vin LSGPC52U6AF102554 \\",
            "      --fault pending:2 --power-mode ACC"})
public final class EcuSimCli implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--can", required = true, paramLabel = "<spec>", description = CliSupport.SPEC_HELP)
    String can;

    @Option(names = "--config", paramLabel = "<file>", description = "Properties file with the settings below.")
    Path configFile;

    @Option(names = "--vin", paramLabel = "<VIN>", description = "VIN to answer with, 17 characters (ecu.vin).")
    String vin;

    @Option(names = "--fault", paramLabel = "<fault>", description = {
        "Misbehaviour when asked for the VIN (ecu.fault; default none):",
        "none | pending:N[:interval] | delay:DURATION | nrc:CODE | silent | truncated:N | bad-check-digit"})
    String fault;

    @Option(names = "--power-mode", paramLabel = "<mode>", description = "Initial power mode OFF|ACC|ON|START (power.mode; default ACC).")
    String powerMode;

    @Option(names = "--power-period", paramLabel = "<duration>", description = "Broadcast period, 0 = none (power.period; default 100ms).")
    String powerPeriod;

    @Option(names = "--request-id", paramLabel = "<id>", description = "Identifier it listens on (ecu.request-id; default 0x740).")
    String requestId;

    @Option(names = "--response-id", paramLabel = "<id>", description = "Identifier it answers on (ecu.response-id; default 0x748).")
    String responseId;

    @Option(names = "--padding", paramLabel = "<byte|none>", description = "Its CAN frame fill byte (ecu.padding; default 0xAA).")
    String padding;

    @Option(names = "--block-size", paramLabel = "<n>", description = "BS in its flow controls (ecu.fc.block-size; default 0).")
    String blockSize;

    @Option(names = "--st-min", paramLabel = "<stmin>", description = "STmin in its flow controls: 0x14, 20ms, 300us (ecu.fc.st-min; default 0).")
    String stMin;

    private final CountDownLatch stopped = new CountDownLatch(1);

    public static void main(String[] args) {
        System.exit(CliSupport.run(new EcuSimCli(), args));
    }

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        EcuSimulatorConfig config;
        try {
            config = EcuSimulatorConfig.fromProperties(properties());
        } catch (IllegalArgumentException | IOException e) {
            return CliSupport.fail(err, "sim ecu", e, CliSupport.EXIT_USAGE);
        }
        CanChannel channel;
        try {
            channel = CanChannels.open(can);
        } catch (IllegalArgumentException | CanException e) {
            return CliSupport.openFailed(err, "sim ecu", e);
        }
        EcuSimulator sim;
        try {
            sim = EcuSimulator.start(channel, config);
        } catch (CanException e) {
            channel.close();
            return CliSupport.fail(err, "sim ecu", e, CliSupport.EXIT_TRANSPORT);
        }
        Thread hook = new Thread(() -> {
            sim.close();
            stopped.countDown();
        }, "ecu-sim-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        Thread console = new Thread(() -> readCommands(sim, out, err), "ecu-sim-stdin");
        console.setDaemon(true);
        console.start();
        out.println("ready " + channel.description());
        out.flush();
        stopped.await();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException alreadyShuttingDown) {
            Logger.debug("JVM already shutting down; the hook stops the simulator");
            return 0;
        }
        sim.close();
        return 0;
    }

    private Properties properties() throws IOException {
        Properties p = new Properties();
        if (configFile != null) {
            if (!Files.isReadable(configFile)) {
                throw new IOException("config file " + configFile + " cannot be read");
            }
            try (Reader r = Files.newBufferedReader(configFile, StandardCharsets.UTF_8)) {
                p.load(r);
            }
        }
        put(p, "ecu.vin", vin);
        put(p, "ecu.fault", fault);
        put(p, "power.mode", powerMode);
        put(p, "power.period", powerPeriod);
        put(p, "ecu.request-id", requestId);
        put(p, "ecu.response-id", responseId);
        put(p, "ecu.padding", padding);
        put(p, "ecu.fc.block-size", blockSize);
        put(p, "ecu.fc.st-min", stMin);
        if (!p.containsKey("ecu.vin")) {
            throw new IllegalArgumentException("give the VIN with --vin or ecu.vin in --config");
        }
        return p;
    }

    private static void put(Properties p, String key, String value) {
        if (value != null) {
            p.setProperty(key, value);
        }
    }

    private void readCommands(EcuSimulator sim, PrintWriter out, PrintWriter err) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (!command(line.trim(), sim, out, err)) {
                    stopped.countDown();
                    return;
                }
            }
            Logger.debug("stdin closed; the simulator runs until it is stopped by a signal");
        } catch (IOException e) {
            Logger.warn("reading commands from stdin failed, the simulator keeps running: {}", e.getMessage());
        }
    }

    /** Handles one stdin command; false for quit. */
    boolean command(String line, EcuSimulator sim, PrintWriter out, PrintWriter err) {
        if (line.isEmpty()) {
            return true;
        }
        String[] words = line.split("\\s+", 2);
        String arg = words.length > 1 ? words[1] : "";
        try {
            switch (words[0].toLowerCase(Locale.ROOT)) {
                case "mode":
                    sim.setPowerMode(PowerMode.parse(arg));
                    out.println("mode " + sim.powerMode());
                    break;
                case "fault":
                    sim.setFault(EcuFault.parse(arg));
                    out.println("fault " + sim.fault().spec());
                    break;
                case "status":
                    out.println("status mode=" + sim.powerMode() + " fault=" + sim.fault().spec()
                            + " vin-requests=" + sim.vinRequests());
                    break;
                case "quit":
                case "exit":
                    out.println("bye");
                    out.flush();
                    return false;
                default:
                    err.println("sim ecu: unknown command '" + words[0] + "' (mode, fault, status, quit)");
            }
        } catch (IllegalArgumentException e) {
            err.println("sim ecu: " + CliSupport.oneLine(e));
        }
        out.flush();
        err.flush();
        return true;
    }
}
