package io.vinbind.terminal.cli;

import io.vinbind.log.NonBlockingStderr;
import io.vinbind.terminal.config.ConfigException;
import io.vinbind.terminal.config.TerminalConfig;
import io.vinbind.terminal.daemon.TerminalDaemon;
import io.vinbind.terminal.daemon.TerminalStartException;
import io.vinbind.terminal.state.BoundIdentity;
import io.vinbind.terminal.state.FileStateStore;
import io.vinbind.terminal.state.StateReading;
import io.vinbind.terminal.state.TerminalState;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.tinylog.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./vinbind terminal}: the terminal daemon and its persisted state.
 *
 * <pre>
 * ./vinbind terminal --config terminal.properties      run the daemon (until SIGTERM / Ctrl-C)
 * ./vinbind terminal status --data /var/lib/vinbind    print the persisted state
 * ./vinbind terminal request-bind --data /var/lib/vinbind   ask for a new binding (service request)
 * </pre>
 */
@Command(name = "terminal", mixinStandardHelpOptions = true,
        description = {
            "Runs the terminal daemon: on each power-up (ACC/ON/START) it decides whether to bind, reads the VIN "
                    + "from the smart-key ECU over CAN (UDS 0x22 F190), brings the modem up, logs in to the binding "
                    + "server over MQTT 5 and uploads the VIN; the VIN-request flag is cleared only by the matching "
                    + "bind-ack. Stop it with SIGTERM (systemd) or Ctrl-C: the attempt is aborted, the flag kept.",
            "Exit status: 143 after SIGTERM (the JVM's code once the shutdown hook has stopped the daemon "
                    + "cleanly; the systemd unit lists it as success), 1 if the daemon could not start or lost its "
                    + "CAN adapter (the service manager restarts it), 2 for a bad configuration."},
        subcommands = {TerminalCli.Status.class, TerminalCli.RequestBind.class, CommandLine.HelpCommand.class})
public final class TerminalCli implements Callable<Integer> {

    static final int EXIT_START_FAILED = 1;
    static final int EXIT_BAD_CONFIG = 2;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "the terminal.properties file (see the commented example shipped with the daemon)")
    Path config;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        NonBlockingStderr.install(); // a journal or supervisor that stops reading must not stall the daemon
        System.exit(new CommandLine(new TerminalCli()).execute(args));
    }

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter err = spec.commandLine().getErr();
        if (config == null) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "missing --config FILE (or a subcommand: status, request-bind)");
        }
        TerminalConfig cfg;
        try {
            cfg = TerminalConfig.load(config);
        } catch (ConfigException e) {
            err.println("terminal: " + config + ": " + e.getMessage());
            return EXIT_BAD_CONFIG;
        } catch (NoSuchFileException e) {
            err.println("terminal: " + config + ": no such file");
            return EXIT_BAD_CONFIG;
        } catch (IOException e) {
            err.println("terminal: cannot read " + config + ": " + (e.getMessage() == null ? e : e.getMessage()));
            return EXIT_BAD_CONFIG;
        }
        TerminalDaemon daemon = TerminalDaemon.builder(cfg).build();
        CountDownLatch stopped = new CountDownLatch(1);
        AtomicBoolean failed = new AtomicBoolean();
        Thread hook = new Thread(() -> {
            Logger.info("stop requested (signal)");
            daemon.close();
            stopped.countDown();
        }, "vinbind-shutdown");
        try {
            daemon.start();
        } catch (TerminalStartException e) {
            err.println("terminal: " + e.getMessage());
            return EXIT_START_FAILED;
        }
        Runtime.getRuntime().addShutdownHook(hook);
        daemon.failure().thenAccept(e -> {
            err.println("terminal: " + e.getMessage() + "; stopping so the service manager restarts the daemon");
            err.flush();
            failed.set(true);
            stopped.countDown();
        });
        stopped.await();
        if (failed.get()) {
            daemon.close();
            return EXIT_START_FAILED;
        }
        return 0;
    }

    /** Locates the data directory from {@code --data} or {@code --config}. */
    static final class DataDir {
        @Option(names = {"-d", "--data"}, paramLabel = "DIR", description = "the daemon's data directory (data.dir)")
        Path data;

        @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "take data.dir from this terminal.properties")
        Path config;

        Path resolve(CommandLine cl) throws ConfigException, IOException {
            if (data != null && config != null) {
                throw new CommandLine.ParameterException(cl, "give --data or --config, not both");
            }
            if (data != null) {
                return data;
            }
            if (config != null) {
                return TerminalConfig.dataDirOf(config);
            }
            throw new CommandLine.ParameterException(cl, "missing --data DIR (or --config FILE)");
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = {"Prints the persisted terminal state: the VIN-request flag and why it is set, the last "
                    + "bound VIN/IMSI/ICCID/IMEI, and any pending service request. Reads only; safe while the "
                    + "daemon runs.", "Exit status: 0, or 2 if the data directory cannot be used."})
    static final class Status implements Callable<Integer> {
        @CommandLine.ArgGroup(exclusive = false, multiplicity = "1")
        DataDir where;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            Path dir;
            FileStateStore store;
            try {
                dir = where.resolve(spec.commandLine());
                if (!Files.isDirectory(dir)) {
                    throw new NoSuchFileException(dir.toString(), null, "no such directory");
                }
                store = new FileStateStore(dir, Clock.systemUTC());
            } catch (ConfigException | IOException e) {
                err.println("terminal status: " + e.getMessage());
                return EXIT_BAD_CONFIG;
            }
            out.println("state file:        " + store.stateFile());
            StateReading reading = store.read();
            if (reading instanceof StateReading.Missing) {
                out.println("VIN-request flag:  SET (ASSEMBLY: no state file, a fresh terminal)");
                out.println("last bound:        never");
            } else if (reading instanceof StateReading.Corrupt c) {
                out.println("state file is unusable: " + c.problem());
                out.println("VIN-request flag:  SET (STATE_UNREADABLE: the daemon keeps the file aside and binds again)");
                out.println("last bound:        unknown");
            } else {
                TerminalState s = ((StateReading.Present) reading).state();
                out.println("VIN-request flag:  " + s.vinRequest().map(r -> "SET (" + r.reason() + " since "
                        + r.since() + ")").orElse("clear"));
                Optional<BoundIdentity> b = s.lastBound();
                out.println("last bound:        " + b.map(i -> "VIN " + i.vin() + " at " + i.boundAt()).orElse("never"));
                b.ifPresent(i -> out.println("                   IMSI " + i.imsi() + "  ICCID " + i.iccid()
                        + "  IMEI " + i.imei()));
            }
            out.println("service request:   " + store.pendingServiceRequest().map(t -> "pending since " + t)
                    .orElse("none"));
            out.flush();
            return 0;
        }
    }

    @Command(name = "request-bind", mixinStandardHelpOptions = true,
            description = {"Asks for a new binding (a service request, e.g. after repairs): writes the request "
                    + "file '" + FileStateStore.REQUEST_FILE + "' in the data directory. A running daemon takes it "
                    + "within service.poll while the vehicle is powered and the terminal is idle, otherwise at the "
                    + "next power-up; it then sets the VIN-request flag (SERVICE_REQUEST) and removes the file. "
                    + "A daemon that is not running takes it when it starts.",
                "Exit status: 0 when the request is recorded, 2 if the data directory cannot be used."})
    static final class RequestBind implements Callable<Integer> {
        @CommandLine.ArgGroup(exclusive = false, multiplicity = "1")
        DataDir where;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            try {
                Path dir = where.resolve(spec.commandLine());
                if (!Files.isDirectory(dir)) {
                    throw new NoSuchFileException(dir.toString(), null, "no such directory");
                }
                FileStateStore store = new FileStateStore(dir, Clock.systemUTC());
                Instant now = Instant.now();
                store.requestBinding(now);
                out.println("service request recorded at " + now + " in " + dir.resolve(FileStateStore.REQUEST_FILE));
                out.println("the daemon sets the VIN-request flag (SERVICE_REQUEST) at its next poll while powered, "
                        + "or at the next power-up");
                out.flush();
                return 0;
            } catch (ConfigException | IOException e) { // StateStoreException is an IOException
                err.println("terminal request-bind: " + e.getMessage());
                return EXIT_BAD_CONFIG;
            }
        }
    }
}
