package io.vinbind.can.cli;

import io.vinbind.can.CanChannel;
import io.vinbind.can.CanChannels;
import io.vinbind.can.CanException;
import io.vinbind.can.CanFilter;
import io.vinbind.can.CanFrame;
import io.vinbind.can.CanId;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code ./vinbind can ...}: raw CAN frame tools, candump/cansend style, on any channel spec. */
@Command(name = "can", mixinStandardHelpOptions = true, version = "vinbind can 0.1",
        description = "Raw CAN frame tools (frames written as candump does: 7E0#0322F190, 18DA40F1#023E00, 7DF#R2).",
        subcommands = {CanCli.Dump.class, CanCli.Send.class, CommandLine.HelpCommand.class})
public final class CanCli implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(CliSupport.run(new CanCli(), args));
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return CliSupport.EXIT_USAGE;
    }

    @Command(name = "dump", mixinStandardHelpOptions = true,
            description = "Prints received frames, one per line, until --count frames or --duration passed.",
            footer = {"", "Example: ./vinbind can dump --can slcan:/dev/ttyACM0 --filter 0x748 --filter 0x3C0 --count 10"})
    static final class Dump implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--can", required = true, paramLabel = "<spec>", description = CliSupport.SPEC_HELP)
        String can;

        @Option(names = "--filter", paramLabel = "<id>", converter = CliSupport.CanIdConverter.class,
                description = "Only this identifier (repeatable); default: every frame.")
        List<CanId> filters = new ArrayList<>();

        @Option(names = "--count", paramLabel = "<n>", description = "Stop after n frames (default: no limit).")
        Integer count;

        @Option(names = "--duration", paramLabel = "<duration>", converter = CliSupport.DurationConverter.class,
                description = "Stop after this long (default: ${DEFAULT-VALUE}).", defaultValue = "60s")
        Duration duration;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            try (CanChannel ch = CanChannels.open(can)) {
                ch.setFilters(filters.stream().map(CanFilter::exact).toList());
                long deadline = System.nanoTime() + duration.toNanos();
                int seen = 0;
                while ((count == null || seen < count) && System.nanoTime() < deadline) {
                    Optional<CanFrame> f = ch.receive(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
                    if (f.isPresent()) {
                        out.println(f.get());
                        out.flush();
                        seen++;
                    }
                }
                return 0;
            } catch (IllegalArgumentException e) {
                return CliSupport.fail(err, "can dump", e, CliSupport.EXIT_USAGE);
            } catch (CanException e) {
                return CliSupport.fail(err, "can dump", e, CliSupport.EXIT_TRANSPORT);
            }
        }
    }

    @Command(name = "send", mixinStandardHelpOptions = true, description = "Sends frames in order.",
            footer = {"", "Example: ./vinbind can send --can slcan:/dev/ttyACM0 3C0#0200000000000000"})
    static final class Send implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--can", required = true, paramLabel = "<spec>", description = CliSupport.SPEC_HELP)
        String can;

        @Parameters(arity = "1..*", paramLabel = "<frame>", description = "Frames as <id>#<hex data> or <id>#R<dlc>.")
        List<String> frames;

        @Override
        public Integer call() {
            PrintWriter err = spec.commandLine().getErr();
            List<CanFrame> parsed = new ArrayList<>();
            try {
                for (String f : frames) {
                    parsed.add(CanFrame.parse(f));
                }
            } catch (IllegalArgumentException e) {
                return CliSupport.fail(err, "can send", e, CliSupport.EXIT_USAGE);
            }
            try (CanChannel ch = CanChannels.open(can)) {
                for (CanFrame f : parsed) {
                    ch.send(f);
                }
                return 0;
            } catch (IllegalArgumentException e) {
                return CliSupport.fail(err, "can send", e, CliSupport.EXIT_USAGE);
            } catch (CanException e) {
                return CliSupport.fail(err, "can send", e, CliSupport.EXIT_TRANSPORT);
            }
        }
    }
}
