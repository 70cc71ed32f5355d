package io.vinbind.terminal.cli;

import io.vinbind.log.NonBlockingStderr;
import io.vinbind.protocol.VinPolicy;
import io.vinbind.terminal.vin.VinRules;
import io.vinbind.terminal.vin.VinVerdict;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code ./vinbind vin check <VIN>...}: the VIN rules of the terminal, from a shell. */
@Command(name = "vin", mixinStandardHelpOptions = true,
        description = "VIN tools (ISO 3779 / GB 16735 check digit).",
        subcommands = {VinCli.Check.class, CommandLine.HelpCommand.class})
public final class VinCli implements Runnable {

    /** Exit code when at least one VIN is invalid. */
    public static final int EXIT_INVALID = 1;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand (try: vin check <VIN>)");
    }

    public static void main(String[] args) {
        NonBlockingStderr.install();
        System.exit(new CommandLine(new VinCli()).execute(args));
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = {
                "Checks each VIN and prints one line per VIN: the VIN, 'valid' or 'invalid', and the reason.",
                "Rules: 17 characters from 0-9 A-H J-N P R-Z; position 9 is the check digit (weighted sum mod 11,"
                        + " 10 = X); position 10 (model year) is never U, Z or 0.",
                "Exit status: 0 if every VIN is valid, 1 if any is invalid, 2 on bad usage."})
    static final class Check implements Callable<Integer> {

        @Option(names = "--mode", defaultValue = "STRICT", paramLabel = "STRICT|LENIENT",
                description = "STRICT (GB 16735 / North America, default): a wrong check digit or model-year "
                        + "code is an error. LENIENT (Europe): it is a warning.")
        VinPolicy mode;

        @Parameters(arity = "1..*", paramLabel = "VIN", description = "the VINs to check (exactly as written)")
        List<String> vins;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            VinRules rules = new VinRules(mode);
            PrintWriter out = spec.commandLine().getOut();
            boolean allValid = true;
            for (String vin : vins) {
                VinVerdict verdict = rules.check(vin);
                allValid &= verdict.isValid();
                out.println(vin + " " + (verdict.isValid() ? "valid" : "invalid") + " " + verdict.reason());
            }
            out.flush();
            return allValid ? 0 : EXIT_INVALID;
        }
    }
}
