package io.vinbind.server.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./vinbind server mosquitto-plugin --out FILE}: builds vinbind's Mosquitto ACL plugin from the C source
 * shipped with the server ({@code mosquitto/vinbind_acl.c}): it refuses a terminal's subscription outside its own
 * answer topics at SUBACK, which Mosquitto 2.0's acl_file cannot.
 */
@Command(name = "mosquitto-plugin", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Builds vinbind's ACL plugin for Mosquitto 2 (plugin API v5) with gcc: SUBSCRIBE, PUBLISH and "
        + "delivery checked against the certificate CN, shared subscriptions refused to terminals.",
        "Needs gcc and Mosquitto's plugin headers (Debian: apt-get install gcc mosquitto-dev libmosquitto-dev). "
            + "Then: mosquitto-config --plugin FILE."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:built", "1:could not (reason on stderr)", "2:bad command line"})
final class MosquittoPluginCli implements Callable<Integer> {

    static final String SOURCE = "/mosquitto/vinbind_acl.c";

    @Option(names = "--out", paramLabel = "FILE.so", required = true, description = "The plugin file to write.")
    Path out;

    @Option(names = "--cc", paramLabel = "COMPILER", defaultValue = "gcc", description = "C compiler (default: ${DEFAULT-VALUE}).")
    String cc;

    @Option(names = "--source-only", description = "Write the C source next to --out and do not compile.")
    boolean sourceOnly;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        try {
            Path abs = out.toAbsolutePath();
            Files.createDirectories(abs.getParent());
            Path source = abs.resolveSibling("vinbind_acl.c");
            try (InputStream in = MosquittoPluginCli.class.getResourceAsStream(SOURCE)) {
                if (in == null) {
                    err.println("vinbind server mosquitto-plugin: the plugin source " + SOURCE + " is not in this build");
                    return 1;
                }
                Files.copy(in, source, StandardCopyOption.REPLACE_EXISTING);
            }
            if (sourceOnly) {
                spec.commandLine().getOut().println("wrote " + source);
                return 0;
            }
            Path log = abs.resolveSibling("vinbind_acl.build.log");
            Process p = new ProcessBuilder(List.of(cc, "-shared", "-fPIC", "-O2", "-Wall", "-o", abs.toString(),
                source.toString())).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                err.println("vinbind server mosquitto-plugin: " + cc + " did not finish within 60 s");
                return 1;
            }
            if (p.exitValue() != 0) {
                String output = Files.readString(log, StandardCharsets.UTF_8);
                err.println("vinbind server mosquitto-plugin: " + cc + " failed (exit " + p.exitValue() + ")"
                    + (output.contains("mosquitto_broker.h") || output.contains("mosquitto.h")
                        ? "; the Mosquitto headers are missing: apt-get install mosquitto-dev libmosquitto-dev" : "")
                    + ":\n" + output);
                return 1;
            }
            spec.commandLine().getOut().println("built " + abs + " (use: mosquitto-config --plugin " + abs + ")");
            return 0;
        } catch (IOException e) {
            err.println("vinbind server mosquitto-plugin: " + (e.getMessage() != null && e.getMessage().contains(cc)
                ? "no C compiler '" + cc + "' (apt-get install gcc)" : e.getMessage()));
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }
}
