package io.vinbind.can.cli;

import io.vinbind.can.CanId;
import io.vinbind.can.Durations;
import io.vinbind.log.NonBlockingStderr;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.OptionalInt;
import picocli.CommandLine;

/** Converters and error handling the can-bus command lines share. */
final class CliSupport {

    /** Exit code: the bus answered wrongly or not at all (timeout, negative response, bad VIN). */
    static final int EXIT_FAILURE = 1;
    /** Exit code: bad options (picocli's default for invalid input). */
    static final int EXIT_USAGE = 2;
    /** Exit code: the CAN transport could not be opened. */
    static final int EXIT_TRANSPORT = 3;

    static final String SPEC_HELP = "CAN channel: slcan:<serial-port>[@bitrate] (e.g. slcan:/dev/ttyACM0@500000, "
            + "default 500000), socketcan:<interface> (e.g. socketcan:can0), or virtual:<bus> - the in-JVM bus, "
            + "which exists only inside one process, so it is of no use between two ./vinbind processes.";

    /** Set by {@link #run}: the command owns the process, so a {@link #watchdog} may end it. */
    private static volatile boolean ownsProcess;

    private CliSupport() {
    }

    static final class CanIdConverter implements CommandLine.ITypeConverter<CanId> {
        @Override
        public CanId convert(String value) {
            return CanId.parse(value);
        }
    }

    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            return Durations.parse(value);
        }
    }

    /** A fill byte ({@code 0xCC}) or {@code none}. */
    static final class PaddingConverter implements CommandLine.ITypeConverter<OptionalInt> {
        @Override
        public OptionalInt convert(String value) {
            if (value.trim().equalsIgnoreCase("none")) {
                return OptionalInt.empty();
            }
            int b = Integer.decode(value.trim());
            if (b < 0 || b > 0xFF) {
                throw new IllegalArgumentException("padding must be a byte 0x00..0xFF or none, got " + value);
            }
            return OptionalInt.of(b);
        }
    }

    /**
     * Runs a command line with a one-line error on stderr for bad options, and returns the exit code. Makes
     * stderr non-blocking first ({@link NonBlockingStderr}): these tools are started by scripts and tests
     * that do not always read it, and a full stderr pipe must not stop them.
     */
    static int run(Object command, String[] args) {
        NonBlockingStderr.install();
        ownsProcess = true;
        CommandLine cl = new CommandLine(command);
        cl.setParameterExceptionHandler((ex, a) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println(ex.getCommandLine().getCommandSpec().qualifiedName() + ": " + ex.getMessage()
                    + " (see --help)");
            err.flush();
            return EXIT_USAGE;
        });
        return cl.execute(args);
    }

    /** Says on stderr, in one line prefixed with the command, why it failed; returns the exit code to give. */
    static int fail(PrintWriter err, String command, Throwable e, int exitCode) {
        err.println(command + ": " + oneLine(e));
        err.flush();
        return exitCode;
    }

    /** {@link #fail} for a channel that would not open: a bad spec is usage, anything else the transport. */
    static int openFailed(PrintWriter err, String command, Exception e) {
        return fail(err, command, e, e instanceof IllegalArgumentException ? EXIT_USAGE : EXIT_TRANSPORT);
    }

    /**
     * Ends the process with {@code exitCode} and one line on stderr if it is still running {@code timeout}
     * plus {@code allowance} from now, whatever it is stuck in (a serial port that will not close, a driver
     * call, a shutdown hook): a hard bound for the {@code --timeout} of a tool that scripts wait for.
     * {@link Runtime#halt} rather than exit, since a shutdown hook may be what is stuck; and never cancelled,
     * so that the bound covers the exit too. Only when the command owns the process (started through {@link #run}): a command run
     * inside another program (a test) must not end it.
     */
    static void hardBound(String command, Duration timeout, Duration allowance, int exitCode) {
        long millis;
        try {
            millis = Math.addExact(timeout.toMillis(), allowance.toMillis());
        } catch (ArithmeticException e) {
            return; // beyond 292 million years: no bound to keep
        }
        if (!ownsProcess) {
            return;
        }
        Thread t = new Thread(() -> {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                return;
            }
            // said on a thread of its own: a stderr that blocks must not keep the bound from holding
            Thread say = new Thread(() -> {
                System.err.println(command + ": still running " + millis + " ms after start; giving up");
                System.err.flush();
            }, "hard-bound-message");
            say.setDaemon(true);
            say.start();
            try {
                say.join(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // halting anyway
            }
            Runtime.getRuntime().halt(exitCode);
        }, "hard-bound");
        t.setDaemon(true);
        t.start();
    }

    /** The innermost useful message of an exception, on one line. */
    static String oneLine(Throwable t) {
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return m.replace('\n', ' ').replace('\r', ' ');
    }
}
