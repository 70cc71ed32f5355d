package io.vinbind.modem.cli;

import io.vinbind.log.NonBlockingStderr;
import io.vinbind.modem.Dialect;
import io.vinbind.modem.Modem;
import io.vinbind.modem.ModemConfig;
import io.vinbind.modem.at.AtEngine;
import io.vinbind.modem.at.AtEngineConfig;
import io.vinbind.modem.at.AtException;
import io.vinbind.modem.link.FlowControl;
import io.vinbind.modem.link.JSerialCommLink;
import io.vinbind.modem.link.SerialConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.tinylog.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./vinbind modem …}: modem tools. */
@Command(name = "modem", mixinStandardHelpOptions = true, subcommands = {ModemCli.ProbeCommand.class, ApduCommand.class},
        description = {"Tools for the cellular modem's AT port (3GPP TS 27.007 with Quectel/SIMCom dialects).",
            "'modem euicc info|profiles' (the eUICC behind the modem) is dispatched by ./vinbind to hil-tests."})
public final class ModemCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is needed: probe or apdu");
    }

    public static void main(String[] args) {
        NonBlockingStderr.install(); // a stderr nobody reads must not stall the tool
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        return new CommandLine(new ModemCli())
                .registerConverter(Duration.class, new DurationConverter())
                .setCaseInsensitiveEnumValuesAllowed(true);
    }

    @Command(name = "probe", mixinStandardHelpOptions = true, sortOptions = false,
            description = {
                "Initialises the modem (ATE0, AT+CMEE=1, registration URCs), reads SIM state,",
                "IMSI, ICCID and IMEI, waits (bounded) for network registration, then reads",
                "operator and signal. Prints ONE JSON object on stdout:",
                "  {\"sim\":..,\"imsi\":..,\"iccid\":..,\"imei\":..,\"registration\":..,",
                "   \"operator\":..,\"rssiDbm\":..,\"manufacturer\":..,\"model\":..}",
                "Registration still incomplete after --registration-wait is reported as its",
                "last state (SEARCHING, DENIED, ...), not as an error. Failures print a one-line",
                "reason on stderr and exit non-zero.",
                ""},
            exitCodeListHeading = "%nExit codes:%n",
            exitCodeList = {
                "0:probe completed, JSON on stdout",
                "2:bad command line",
                "3:the port could not be opened",
                "4:the modem did not answer, answered wrongly, or the probe exceeded --timeout",
                "5:the SIM is not ready (absent, PIN/PUK locked, failed)"})
    static final class ProbeCommand implements Callable<Integer> {

        @Option(names = "--port", required = true, paramLabel = "<device>",
                description = "serial device of the modem's AT port, e.g. /dev/ttyUSB2 (or a pty link)")
        String port;

        @Option(names = "--baud", defaultValue = "115200", description = "baud rate (default ${DEFAULT-VALUE}; 8N1 always)")
        int baud;

        @Option(names = "--flow", defaultValue = "NONE", description = "flow control: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE})")
        FlowControl flow;

        @Option(names = "--dialect", paramLabel = "<dialect>",
                description = "GENERIC, QUECTEL or SIMCOM; default: detect from AT+CGMI / ATI")
        Dialect dialect;

        @Option(names = "--timeout", defaultValue = "60s", paramLabel = "<duration>",
                description = "bound for the whole probe, e.g. 30s (default ${DEFAULT-VALUE})")
        Duration timeout;

        @Option(names = "--registration-wait", defaultValue = "30s", paramLabel = "<duration>",
                description = "how long to wait for registration within --timeout (default ${DEFAULT-VALUE})")
        Duration registrationWait;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter err = spec.commandLine().getErr();
            PrintWriter out = spec.commandLine().getOut();
            if (timeout.isNegative() || timeout.isZero() || registrationWait.isNegative()) {
                err.println("modem probe: --timeout must be positive and --registration-wait not negative");
                return 2;
            }
            SerialConfig serial;
            try {
                serial = SerialConfig.of(port).withBaudRate(baud).withFlowControl(flow);
            } catch (IllegalArgumentException e) {
                err.println("modem probe: " + e.getMessage());
                return 2;
            }
            ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "probe");
                t.setDaemon(true);
                return t;
            });
            AtEngine engine;
            try {
                engine = AtEngine.start(JSerialCommLink.open(serial), AtEngineConfig.DEFAULT);
            } catch (IOException e) {
                err.println("modem probe: cannot open " + port + ": " + e.getMessage());
                return Probe.EXIT_PORT;
            }
            try {
                // registration may use what the other steps leave of the overall bound (reserve 10 s for them)
                Duration regWait = registrationWait.compareTo(timeout.minusSeconds(10)) > 0
                        ? (timeout.compareTo(Duration.ofSeconds(10)) > 0 ? timeout.minusSeconds(10) : Duration.ZERO)
                        : registrationWait;
                Future<ProbeResult> f = worker.submit(() -> {
                    ModemConfig config = dialect == null ? ModemConfig.DEFAULT : ModemConfig.DEFAULT.withDialect(dialect);
                    Modem modem = Modem.attach(engine, config);
                    return Probe.run(modem, regWait);
                });
                ProbeResult r = f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                out.println(r.toJson());
                out.flush();
                return 0;
            } catch (TimeoutException e) {
                err.println("modem probe: no result within " + timeout.toMillis() + " ms on " + port);
                return Probe.EXIT_MODEM;
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                if (c instanceof ProbeException p) {
                    err.println("modem probe: " + p.getMessage());
                    return p.exitCode();
                }
                if (c instanceof AtException a) {
                    err.println("modem probe: " + a.getMessage());
                    return Probe.EXIT_MODEM;
                }
                Logger.error(c, "modem probe failed");
                err.println("modem probe: " + c);
                return Probe.EXIT_MODEM;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                err.println("modem probe: interrupted");
                return Probe.EXIT_MODEM;
            } finally {
                worker.shutdownNow();
                engine.close();
            }
        }
    }
}
